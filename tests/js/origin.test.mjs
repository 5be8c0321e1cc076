// The origin-side check of the worker's origin proof (X-Auth-Signature), as a user of the
// installed package calls it: the committed vectors and verdicts of
// tests/fixtures/origin-signature.json (the worker's signer in worker/src/edge/origin.rs is
// checked against the same file), from ESM and CommonJS, with Fetch and Node requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ROOT, loadCjs, loadEsm } from './helpers.mjs';

const fx = JSON.parse(fs.readFileSync(`${ROOT}/tests/fixtures/origin-signature.json`, 'utf8'));
const esm = await loadEsm();
const cjs = loadCjs();

test('ESM and CommonJS: every verdict and reason of the fixture', async () => {
  for (const m of [esm, cjs]) {
    const reasons = new Set();
    for (const c of fx.checks) {
      const keys = c.accept_keys.map((name) => fx.keys[name]);
      const r = await m.verifyOriginSignature({ header: c.header, keys, now: c.now, maxSkew: c.max_skew_s, ...c.request });
      assert.deepEqual(r, c.valid ? { ok: true } : { ok: false, reason: c.reason }, c.name);
      if (!c.valid) reasons.add(c.reason.split(':')[0]);
    }
    assert.deepEqual([...reasons].sort(), ['malformed', 'mismatch', 'stale']);
    for (const v of fx.vectors) assert.equal(m.originCanonical(v.request), v.canonical, v.name);
  }
});

test('keys as base64, base64url or octets; unusable keys are a TypeError', async () => {
  const [v] = fx.vectors;
  const url = fx.keys[v.signed_with[0]];
  const std = Buffer.from(url, 'base64url').toString('base64');
  for (const key of [url, std, Buffer.from(url, 'base64url'), new Uint8Array(Buffer.from(url, 'base64url')).buffer]) {
    const r = await esm.verifyOriginSignature({ header: v.header, keys: [key], now: v.request.t, ...v.request });
    assert.deepEqual(r, { ok: true }, typeof key);
  }
  for (const keys of [[], undefined, ['not base64!'], [42]]) {
    await assert.rejects(esm.verifyOriginSignature({ header: v.header, keys, now: v.request.t, ...v.request }), TypeError);
  }
});

test('verifyOriginRequest: a Fetch Request and a Node request, host from the request or given', async () => {
  const [v] = fx.vectors;
  const r = v.request;
  const headers = {
    host: r.host, 'x-auth-signature': v.header, 'x-auth-subject': r.subject,
    'x-auth-client': r.client, 'x-auth-region': r.region, 'x-request-id': r.requestId,
  };
  const keys = v.signed_with.map((name) => fx.keys[name]);
  const fetchReq = new Request(`https://${r.host}${r.pathAndQuery}`, { method: r.method, headers });
  const nodeReq = { method: r.method, url: r.pathAndQuery, headers };
  for (const req of [fetchReq, nodeReq]) {
    assert.deepEqual(await esm.verifyOriginRequest(req, { keys, now: r.t }), { ok: true });
    // Behind a proxy that rewrites Host: the configured authority decides.
    assert.deepEqual(await esm.verifyOriginRequest(req, { keys, now: r.t, host: 'other.example' }), { ok: false, reason: 'mismatch' });
    assert.deepEqual(await esm.verifyOriginRequest(req, { keys, now: r.t + 61 }), { ok: false, reason: 'stale' });
  }
  const unsigned = { method: 'GET', url: '/', headers: { host: r.host } };
  assert.deepEqual(await esm.verifyOriginRequest(unsigned, { keys, now: r.t }), { ok: false, reason: 'malformed: missing' });
});
