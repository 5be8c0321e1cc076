// First-seen verification with WebCrypto in workerd (issue 15, goal 2 asks for it measured):
// the packed package, bundled by wrangler as a user's worker would be (tests/js/workerd.mjs),
// runs `verifyIdTokenAsync` over the suite's tokens (bench/js/tokens.mjs: 4096 variants per
// algorithm, more than the memo and the verified-token cache hold, so every call checks a
// signature). workerd's clock does not move while a request computes, so each round is timed
// from outside: one request verifies every token ROUNDS times; the request's own cost (a few
// milliseconds for the JSON of 4096 tokens) stays in the figure, so it slightly understates
// the rate. A benchmark, not a test.
//
//   node bench/js/workerd.mjs [ROUNDS]     (needs pkg/dist: bash scripts/build-pkg.sh)
import { performance } from 'node:perf_hooks';
import { bundleWorker, startWorkerd } from '../../tests/js/workerd.mjs';
import { VARIANTS, clientId, issuer, mintFixture } from './tokens.mjs';

const ROUNDS = Number(process.argv[2] ?? 4);
const SAMPLES = 5;

const SOURCE = `import { JwkSet, verifyIdTokenAsync } from 'oidc-edge';
export default {
  async fetch(req) {
    const { jwks, tokens, issuer, clientId, rounds } = await req.json();
    const keys = new JwkSet(jwks);
    const options = { issuer, clientId };
    // Count WebCrypto's verify calls: the figure is WebCrypto's only if it did the work.
    const subtle = crypto.subtle;
    const verify = subtle.verify;
    let hostCalls = 0;
    subtle.verify = function (...args) {
      hostCalls++;
      return verify.apply(this, args);
    };
    let n = 0;
    for (let r = 0; r < rounds; r++) {
      for (const t of tokens) {
        await verifyIdTokenAsync(t, keys, options);
        n++;
      }
    }
    subtle.verify = verify;
    return Response.json({ n, hostCalls });
  },
};
`;

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const dist = bundleWorker('bench-workerd', SOURCE);
const mf = await startWorkerd(dist, {});
try {
  const { sets } = mintFixture();
  console.log(`workerd, verifyIdTokenAsync (WebCrypto), ${ROUNDS} x ${VARIANTS} tokens per request, median of ${SAMPLES}`);
  for (const [alg, { jwks, tokens }] of Object.entries(sets)) {
    const body = JSON.stringify({ jwks, tokens, issuer, clientId, rounds: ROUNDS });
    let hostCalls = 0;
    const once = async () => {
      const t0 = performance.now();
      const r = await mf.dispatchFetch('http://bench.test/', { method: 'POST', body });
      const out = await r.json();
      const s = (performance.now() - t0) / 1000;
      if (r.status !== 200 || out.n !== ROUNDS * tokens.length) throw new Error(`${alg}: ${r.status} ${JSON.stringify(out)}`);
      hostCalls = out.hostCalls;
      return out.n / s;
    };
    await once(); // warm: compile, key import
    const rates = [];
    for (let i = 0; i < SAMPLES; i++) rates.push(await once());
    const k = (x) => `${(x / 1000).toFixed(1)}k`;
    console.log(`  ${alg.padEnd(6)} ${k(median(rates))} verifies/s (min ${k(Math.min(...rates))}, max ${k(Math.max(...rates))}); WebCrypto verify calls in the last request: ${hostCalls} of ${ROUNDS * tokens.length}`);
  }
} finally {
  await mf.dispose();
}
