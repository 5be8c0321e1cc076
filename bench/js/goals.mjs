// The goals of issue 15 that are ratios of two rows of bench/run.sh (row ids of
// bench/js/suite.mjs), shared by the suite's report and bench/js/runs.mjs (several runs).

/** [goal, row, peer row, target ratio]: met when median(row) / median(peer) >= target. */
export const RATIO_GOALS = [
  ['1. repeated token (`verifyIdToken`) vs fast-jwt with its cache', 'memo', 'fast-jwt-cache', 1.2],
  ['1. the same, Deno', 'memo:deno', 'fast-jwt-cache:deno', 1.2],
  ['1. the same, Bun', 'memo:bun', 'fast-jwt-cache:bun', 1.2],
  ['2. first-seen, host crypto (`verifyIdTokenAsync`) vs fast-jwt without cache', 'host-async', 'fast-jwt', 1.0],
  ['2. the same, Deno', 'host-async:deno', 'fast-jwt:deno', 1.0],
  ['2. the same, Bun', 'host-async:bun', 'fast-jwt:bun', 1.0],
  ['3a. first-seen, wasm sync vs jose', 'wasm-sync', 'jose', 1.0],
  ['3b. first-seen, wasm sync vs fast-jwt without cache', 'wasm-sync', 'fast-jwt', 0.5],
  ['4. native raw RSA vs `openssl speed` verify', 'native-raw', 'openssl', 0.9],
];

/** The median of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
