// Cold start alone: fresh `node` processes each `await import('pkg/dist/node.mjs')` (or the entry
// given), then one `new JwkSet(jwks)` + `verifyIdToken` (the probe of bench/js/suite.mjs, with a
// token minted now from the fixed test key). Prints min / median / max of N runs (default 11).
// Usage: scripts/build-pkg.sh && node bench/js/cold.mjs [entry] [N]
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.resolve(process.argv[2] ?? path.join(ROOT, 'pkg/dist/node.mjs'));
const N = Number(process.argv[3] ?? 11);

const KEYS = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/js/fixtures/keys.json'), 'utf8'));
const priv = crypto.createPrivateKey({ key: KEYS.main, format: 'jwk' });
const { d, p, q, dp, dq, qi, ...pubJwk } = KEYS.main;
const issuer = 'https://op.example.test';
const clientId = 'client-123.apps.example.test';
const now = Math.floor(Date.now() / 1000);
const b64u = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const input = `${b64u({ alg: 'RS256', kid: pubJwk.kid, typ: 'JWT' })}.${b64u({
  iss: issuer, azp: clientId, aud: clientId, sub: '248289761000004711',
  email: 'ada.example.0000@example.test', email_verified: true, nonce: 'n-0S6_WzA2Mj-0000',
  name: 'Ada Example', auth_time: now - 120, iat: now - 60, exp: now + 3600,
})}`;
const token = `${input}.${crypto.sign('sha256', Buffer.from(input), priv).toString('base64url')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-cold-'));
const fixture = path.join(dir, 'fixture.json');
fs.writeFileSync(fixture, JSON.stringify({ issuer, clientId, jwks: { keys: [pubJwk] }, token }));

const probe = `
const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
const t1 = performance.now();
const fx = JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(fixture)}, 'utf8'));
const t2 = performance.now();
const keys = new m.JwkSet(fx.jwks);
m.verifyIdToken(fx.token, keys, { issuer: fx.issuer, clientId: fx.clientId });
const t3 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstVerifyMs: t3 - t2, totalMs: (t1 - t0) + (t3 - t2) }));
`;
const runs = [];
for (let i = 0; i < N; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  runs.push(JSON.parse(r.stdout));
}
fs.rmSync(dir, { recursive: true, force: true });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(`${entry}, ${N} fresh processes, load ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
for (const [k, label] of [['importMs', 'import'], ['firstVerifyMs', 'first JwkSet + verify'], ['totalMs', 'import -> first verify']]) {
  const xs = runs.map((r) => r[k]);
  console.log(`${label.padEnd(24)} min ${Math.min(...xs).toFixed(1)}  median ${median(xs).toFixed(1)}  max ${Math.max(...xs).toFixed(1)} ms`);
}
