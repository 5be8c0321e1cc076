// Node benchmark of the core's RSA verification in wasm32 (every kernel), side by side with
// node:crypto in the same process. Not a test. The wasm module is the helper crate of the
// differential test tests/wasm-rsa (built by tests/wasm-rsa/run.sh):
//   cargo build --release --target wasm32-unknown-unknown --manifest-path tests/wasm-rsa/crate/Cargo.toml
//   node bench/wasm-rsa/run.mjs [path/to/oidc_edge_rsa_wasm_bench.wasm]
import { readFileSync } from "node:fs";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const wasmPath = process.argv[2] ??
  join(process.env.CARGO_TARGET_DIR ?? join(root, "target"),
    "wasm32-unknown-unknown/release/oidc_edge_rsa_wasm_bench.wasm");
const bytes = readFileSync(wasmPath);
const { instance } = await WebAssembly.instantiate(bytes, {});
const x = instance.exports;

const secs = Number(process.env.RSA_BENCH_SECS ?? 2);
function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
function rate(f, batch) {
  for (let i = 0; i < 3; i++) f(batch); // warm-up
  let n = 0;
  const c0 = cpu();
  for (;;) {
    f(batch);
    n += batch;
    const el = cpu() - c0;
    if (el >= secs) return n / el;
  }
}
function put(i, data) {
  const ptr = x.buf(i, data.length);
  new Uint8Array(x.memory.buffer, ptr, data.length).set(data);
}
const b64u = (s) => Buffer.from(s, "base64url");

console.log(`wasm ${wasmPath} (${bytes.length} octets), ${secs} CPU s per row, node ${process.version}`);
for (const name of ["rsa2048.pem", "rsa3072.pem", "rsa4096.pem"]) {
  const sk = createPrivateKey(readFileSync(join(root, "tests/vectors/keys/rsa", name)));
  const pk = createPublicKey(sk);
  const jwk = pk.export({ format: "jwk" });
  const msg = Buffer.from("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + "x".repeat(750));
  const sig = sign("sha256", msg, sk);
  put(0, b64u(jwk.n)); put(1, b64u(jwk.e)); put(2, msg); put(3, sig);
  if (x.setup() !== 1) throw new Error("wasm setup/verify failed for " + name);
  const bits = b64u(jwk.n).length * 8;
  const wasm = rate((k) => { if (x.verify_loop(k) !== k) throw new Error("verify"); }, 8);
  const raw = rate((k) => x.raw_loop(k), 8);
  const parse = rate((k) => x.parse_loop(k), 8);
  const alt = [0, 1, 2].map((w) => rate((k) => x.alt_loop(w, k), 8));
  const kept = [0, 1, 2].map((w) => (x.kept_loop(w, 1) === 1 ? rate((k) => x.kept_loop(w, k), 8) : NaN));
  const node = rate((k) => { for (let i = 0; i < k; i++) if (!verify("sha256", msg, pk, sig)) throw new Error("node"); }, 16);
  console.log(`${bits}: wasm RS256 verify ${wasm.toFixed(0)}/s, wasm raw ${raw.toFixed(0)}/s, wasm key parse ${parse.toFixed(0)}/s, node:crypto.verify ${node.toFixed(0)}/s, wasm/node ${(wasm / node).toFixed(2)}x; raw by limb width (key built per 8 ops): u32 ${alt[0].toFixed(0)}/s, u64 ${alt[1].toFixed(0)}/s, u28 columns ${alt[2].toFixed(0)}/s; key built once: u32 ${kept[0].toFixed(0)}/s, u64 ${kept[1].toFixed(0)}/s, u28 columns ${kept[2].toFixed(0)}/s`);
}
