// The tables of bench/size-parts.sh: `node bench/js/size-parts.mjs <dir> <entry.mjs>`, where each
// sub-folder of <dir> is one build holding shipped.wasm (as scripts/build-pkg.sh ships it) and
// top.json (`twiggy top -n 1000000 -f json` of the same build with its name section). Prints the
// sizes of each build (raw, gzip -9, brotli 11; the Node ESM load adds the entry module), then
// the bytes of code and data by part, from twiggy's per-item sizes (the name section left out).
// Functions are counted where the compiler left them: code it inlined counts for the caller,
// which is why the signature check has a part of its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const [dir, entry] = process.argv.slice(2);
const brotli = (buf) => zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const gzip = (buf) => zlib.gzipSync(buf, { level: 9 }).length;

/** Parts, first match wins (twiggy's names: demangled Rust paths, wasm-bindgen shims, sections). */
const PARTS = [
  ['(name section: not shipped)', /names" subsection|^"name"|custom section 'name'/],
  ['signature check (`BuiltinVerifier::verify`: RSA and curve code inlined into it)', /BuiltinVerifier as oidc_edge::signature::SignatureVerifier>::verify/],
  ['RSA (`oidc_edge_crypto::rsa`)', /oidc_edge_crypto::rsa|oidc_edge::key::rsa/],
  ['curves (`oidc_edge_crypto::field`, ec, ed25519)', /oidc_edge_crypto::(field|ec|ed25519)/],
  ['SHA-2 and HMAC (`oidc_edge_crypto::hash`)', /oidc_edge_crypto::hash/],
  ['JSON (`oidc_edge::json`, serde_json, serde)', /oidc_edge::json|serde_json|(^|[<\s(&])serde(_core)?::/],
  ['claims and policy (verify, claims, timing, access, issuer, trust, token, cognito, dpop, alg, error)', /oidc_edge::(verify|claims|timing|access|issuer|trust|token|cognito|dpop|alg|error|Check)/],
  ['keys (jwk, key, keycache, base64url, signature memo)', /oidc_edge::(jwk|key|keycache|base64url|signature|remote)/],
  ['glue (oidc_edge_wasm, wasm-bindgen, shims, exports)', /oidc_edge_wasm|wasm_bindgen|js_sys|shim|__wbg|__wbindgen|__externref|^wasm[a-z]+_\w+$|^(adapterFailure|tokenKeyId|cognitoUserPool)$/],
  ['allocator (talc; dlmalloc in older builds)', /talc::|dlmalloc|__rust_alloc|__rdl_|__rg_/],
  ['Rust core / alloc (formatting, panics, collections, memcpy)', /(^|[<\s(&])(core|alloc|std|compiler_builtins)(\[[0-9a-f]+\])?::|^(memcpy|memset|memmove|memcmp)$/],
  ['data (strings, tables)', /^data segment|\.rodata|\.data/],
  ['other (imports, exports, tables, types, unnamed)', /./],
];

const builds = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'top.json')));
const entryBuf = fs.readFileSync(entry);
const entryBr = brotli(entryBuf);
console.log(`entry ${entry}: ${entryBuf.length} B raw, ${entryBr} B brotli\n`);
console.log('| build | .wasm raw | gzip -9 | brotli 11 | **Node ESM load** brotli (.wasm + entry) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const b of builds) {
  const buf = fs.readFileSync(path.join(dir, b, 'shipped.wasm'));
  const br = brotli(buf);
  console.log(`| ${b} | ${buf.length} | ${gzip(buf)} | ${br} | **${br + entryBr}** |`);
}

const byPart = {};
for (const b of builds) {
  const top = JSON.parse(fs.readFileSync(path.join(dir, b, 'top.json'), 'utf8'));
  for (const item of top) {
    const [part] = PARTS.find(([, re]) => re.test(item.name));
    byPart[part] ??= {};
    byPart[part][b] = (byPart[part][b] ?? 0) + item.shallow_size;
  }
}
console.log(`\n| part (bytes of code and data, twiggy) | ${builds.join(' | ')} |`);
console.log(`| --- | ${builds.map(() => '---:').join(' | ')} |`);
const totals = Object.fromEntries(builds.map((b) => [b, 0]));
for (const [part] of PARTS) {
  if (!byPart[part]) continue;
  console.log(`| ${part} | ${builds.map((b) => byPart[part][b] ?? 0).join(' | ')} |`);
  if (!part.startsWith('(')) for (const b of builds) totals[b] += byPart[part][b] ?? 0;
}
console.log(`| total without the name section | ${builds.map((b) => totals[b]).join(' | ')} |`);
