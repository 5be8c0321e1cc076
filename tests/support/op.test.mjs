// Proves the test harness itself: real providers, real tokens, key rotation, region loss,
// the fault proxy and the CLI's control API.   node --test tests/support/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as net from 'node:net';

import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

import {
  startProvider, getIdToken, getClientCredentialsToken, generateRsaJwk, publicJwk, DEFAULT_RESOURCE,
} from './op.mjs';
import { startFaultProxy, clientOf, parseMode } from './faults.mjs';

const CLI = fileURLToPath(new URL('./cli.mjs', import.meta.url));

async function tcpConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e) => resolve(e.code));
  });
}

describe('two regions of real oidc-provider', () => {
  let primary;
  let secondary;

  before(async () => {
    [primary, secondary] = await Promise.all([
      startProvider({ name: 'primary', issuerPath: '/primary' }),
      startProvider({ name: 'secondary', issuerPath: '/secondary' }),
    ]);
  });
  after(async () => {
    await Promise.all([primary?.close(), secondary?.close()]);
  });

  test('distinct issuers, ports, keys and client ids', () => {
    assert.match(primary.issuer, /^http:\/\/127\.0\.0\.1:\d+\/primary$/);
    assert.match(secondary.issuer, /^http:\/\/127\.0\.0\.1:\d+\/secondary$/);
    assert.notEqual(primary.port, secondary.port);
    assert.notEqual(primary.kid, secondary.kid);
    assert.equal(primary.clients.clientCredentials.clientId, 'app-primary-id');
    assert.equal(secondary.clients.clientCredentials.clientId, 'app-secondary-id');
    assert.equal(primary.clients.authorizationCode.clientId, 'web-primary-id');
  });

  test('discovery document names the issuer and the jwks_uri', async () => {
    const meta = await (await fetch(primary.discoveryUri)).json();
    assert.equal(meta.issuer, primary.issuer);
    assert.equal(meta.jwks_uri, primary.jwksUri);
    assert.equal(meta.token_endpoint, primary.tokenEndpoint);
    assert.ok(meta.id_token_signing_alg_values_supported.includes('RS256'));
  });

  test('the published JWKS is the public half of the signing key, 2048-bit RS256', async () => {
    const jwks = await (await fetch(primary.jwksUri)).json();
    assert.equal(jwks.keys.length, 1);
    const [k] = jwks.keys;
    assert.equal(k.kid, primary.kid);
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(k.d, undefined);
    assert.equal(Buffer.from(k.n, 'base64url').length, 256);
    assert.deepEqual(jwks, primary.jwks());
  });

  for (const region of ['primary', 'secondary']) {
    test(`${region}: a real ID token with the nonce, verified by jose against the region's JWKS`, async () => {
      const op = region === 'primary' ? primary : secondary;
      const nonce = `n-${region}-${Date.now()}`;
      const r = await getIdToken(op, { nonce });
      const { payload, protectedHeader } = await jwtVerify(r.idToken, createRemoteJWKSet(new URL(op.jwksUri)), {
        issuer: op.issuer,
        audience: op.clients.authorizationCode.clientId,
        algorithms: ['RS256'],
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(protectedHeader.kid, op.kid);
      assert.equal(payload.nonce, nonce);
      assert.equal(payload.sub, 'user-1234');
      assert.equal(payload.email, 'ada@example.test');
      assert.ok(payload.exp > payload.iat);
      assert.ok(typeof r.accessToken === 'string' && r.accessToken.length > 0);
      assert.ok(r.code);
      // the other region's keys do not verify it
      const other = region === 'primary' ? secondary : primary;
      await assert.rejects(jwtVerify(r.idToken, createLocalJWKSet(other.jwks())), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    });
  }

  test('max_age gives auth_time, acr_values gives acr, login_hint picks the account', async () => {
    const r = await getIdToken(primary, {
      nonce: 'n1', maxAge: 300, acrValues: 'urn:oidc-edge:acr:mfa', accountId: 'user-1234',
    });
    assert.equal(typeof r.claims.auth_time, 'number');
    assert.ok(Math.abs(r.claims.auth_time - Math.floor(Date.now() / 1000)) < 30);
    assert.equal(r.claims.acr, 'urn:oidc-edge:acr:mfa');
  });

  test('a client of the other region is unknown here', async () => {
    await assert.rejects(
      getIdToken(primary, { nonce: 'x', clientId: 'web-secondary-id', clientSecret: 'web-secondary-secret' }),
      /invalid_client|HTTP 400/,
    );
  });

  test('client_credentials without resource: an RFC 9068 at+jwt for the API, RS256', async () => {
    const t = await getClientCredentialsToken(primary);
    assert.equal(t.status, 200, JSON.stringify(t));
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 600);
    const { payload, protectedHeader } = await jwtVerify(t.access_token, createLocalJWKSet(primary.jwks()), {
      issuer: primary.issuer,
      audience: DEFAULT_RESOURCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(protectedHeader.kid, primary.kid);
    assert.equal(payload.client_id, 'app-primary-id');
    assert.equal(payload.sub, 'app-primary-id');
    for (const c of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) assert.ok(c in payload, c);
  });

  test('client_credentials with scope and explicit resource; post auth client; secondary region', async () => {
    const t = await getClientCredentialsToken(primary, { scope: 'api:read', resource: DEFAULT_RESOURCE });
    assert.equal(t.status, 200, JSON.stringify(t));
    assert.equal(t.scope, 'api:read');
    const p = await getClientCredentialsToken(primary, { clientId: 'app-primary-post-id' });
    assert.equal(p.status, 200, JSON.stringify(p));
    assert.equal(decodeProtectedHeader(p.access_token).typ, 'at+jwt');
    const s = await getClientCredentialsToken(secondary, { scope: 'api:read api:write' });
    const { payload } = await jwtVerify(s.access_token, createLocalJWKSet(secondary.jwks()), {
      issuer: secondary.issuer, audience: DEFAULT_RESOURCE, typ: 'at+jwt',
    });
    assert.equal(payload.client_id, 'app-secondary-id');
    assert.equal(payload.scope, 'api:read api:write');
  });

  test('OAuth errors come back as they are: invalid_client, invalid_scope, invalid_target', async () => {
    const bad = await getClientCredentialsToken(primary, { clientSecret: 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(bad.error, 'invalid_client');
    const crossRegion = await getClientCredentialsToken(primary, { clientId: 'app-secondary-id', clientSecret: 'app-secondary-secret' });
    assert.equal(crossRegion.error, 'invalid_client');
    const scope = await getClientCredentialsToken(primary, { scope: 'openid' });
    assert.equal(scope.status, 400);
    assert.equal(scope.error, 'invalid_scope');
    const target = await getClientCredentialsToken(primary, { resource: 'https://other.example.test' });
    assert.equal(target.status, 400);
    assert.equal(target.error, 'invalid_target');
  });

  test('rotateKey: new kid signs, old key stays published (keepOld) or is dropped', async () => {
    const op = await startProvider({ name: 'rot' });
    try {
      const before1 = await getClientCredentialsToken(op);
      const { kid, previousKid } = await op.rotateKey();
      assert.notEqual(kid, previousKid);
      assert.equal(op.kid, kid);
      const jwks = await (await fetch(op.jwksUri)).json();
      assert.deepEqual(jwks.keys.map((k) => k.kid), [kid, previousKid]);
      const afterCc = await getClientCredentialsToken(op);
      assert.equal(decodeProtectedHeader(afterCc.access_token).kid, kid);
      const idt = await getIdToken(op, { nonce: 'after-rotation' });
      assert.equal(idt.header.kid, kid);
      // both the old and the new token verify against the published set
      await jwtVerify(before1.access_token, createLocalJWKSet(jwks), { issuer: op.issuer });
      await jwtVerify(afterCc.access_token, createLocalJWKSet(jwks), { issuer: op.issuer });

      const r2 = await op.rotateKey({ keepOld: false });
      const jwks2 = await (await fetch(op.jwksUri)).json();
      assert.deepEqual(jwks2.keys.map((k) => k.kid), [r2.kid]);
      await assert.rejects(jwtVerify(afterCc.access_token, createLocalJWKSet(jwks2)), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    } finally {
      await op.close();
    }
  });

  test('a fixed JWK can be passed (and a fixed port)', async () => {
    const key = await generateRsaJwk({ kid: 'fixed-kid-1' });
    const op = await startProvider({ name: 'fixed', keys: key });
    try {
      const jwks = await (await fetch(op.jwksUri)).json();
      assert.deepEqual(jwks.keys, [publicJwk(key)]);
      const t = await getClientCredentialsToken(op);
      assert.equal(decodeProtectedHeader(t.access_token).kid, 'fixed-kid-1');
      const port = op.port;
      await op.close();
      const again = await startProvider({ name: 'fixed', keys: key, port });
      assert.equal(again.port, port);
      await again.close();
    } finally {
      await op.close();
    }
  });

  test('clients are configurable by the caller', async () => {
    const op = await startProvider({
      name: 'custom',
      clients: {
        clientCredentials: { clientId: 'my-app', clientSecret: 's3cret: with spaces & +%/=' },
        clientCredentialsPost: null,
      },
    });
    try {
      assert.equal(op.clients.clientCredentialsPost, undefined);
      const t = await getClientCredentialsToken(op);
      assert.equal(t.status, 200, JSON.stringify(t));
      assert.equal(decodeProtectedHeader(t.access_token).typ, 'at+jwt');
    } finally {
      await op.close();
    }
  });

  test('request counts by endpoint; JWKS Cache-Control is configurable', async () => {
    const op = await startProvider({ name: 'counted', jwksCacheControl: 'public, max-age=120' });
    try {
      let r = await fetch(op.jwksUri);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=120');
      await r.arrayBuffer();
      await getClientCredentialsToken(op);
      await getIdToken(op, { nonce: 'c' });
      const c = op.requestCounts;
      assert.equal(c.jwks, 1);
      assert.equal(c.token, 2);
      assert.equal(c.discovery, 1);
      assert.ok(c.auth >= 2 && c.interaction >= 2, JSON.stringify(c));
      op.resetCounts();
      assert.deepEqual(op.requestCounts, {});
      op.setJwksCacheControl(undefined);
      r = await fetch(op.jwksUri);
      assert.equal(r.headers.get('cache-control'), null);
      await r.arrayBuffer();
    } finally {
      await op.close();
    }
  });

  test('setDown: refuse (connection refused), 503, back up on the same port', async () => {
    const op = await startProvider({ name: 'flaky', issuerPath: '/flaky' });
    try {
      await op.setDown(true);
      assert.equal(await tcpConnect(op.port), 'ECONNREFUSED');
      await assert.rejects(fetch(op.jwksUri));
      await op.setDown('503');
      const r = await fetch(op.jwksUri);
      assert.equal(r.status, 503);
      assert.equal((await r.json()).error, 'temporarily_unavailable');
      await op.setDown(false);
      assert.equal((await fetch(op.jwksUri)).status, 200);
      assert.equal((await getClientCredentialsToken(op)).status, 200);
    } finally {
      await op.close();
    }
  });
});

describe('fault proxy', () => {
  let op;
  let px;
  let tokenUrl;

  before(async () => {
    op = await startProvider({ name: 'primary', issuerPath: '/primary' });
    px = await startFaultProxy({ upstream: op.origin, name: 'primary' });
    tokenUrl = `${px.url}/primary/token`;
  });
  after(async () => {
    await px?.close();
    await op?.close();
  });

  const cc = (o = {}) => getClientCredentialsToken({ ...op, tokenEndpoint: tokenUrl }, o);

  test('pass: forwards and records method, path, Authorization and body', async () => {
    px.clear();
    const t = await cc({ scope: 'api:read' });
    assert.equal(t.status, 200, JSON.stringify(t));
    assert.equal(px.requests.length, 1);
    const [r] = px.requests;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/primary/token');
    assert.match(r.headers.authorization, /^Basic /);
    assert.equal(r.body, 'grant_type=client_credentials&scope=api%3Aread');
    assert.deepEqual(r.client, { method: 'basic', clientId: 'app-primary-id', clientSecret: 'app-primary-secret' });
    assert.equal(r.status, 200);
    const post = await cc({ clientId: 'app-primary-post-id' });
    assert.equal(post.status, 200);
    assert.equal(px.requests[1].client.method, 'post');
    assert.equal(px.requestsTo('/token').length, 2);
  });

  test('status:<5xx>, 429 with and without Retry-After', async () => {
    for (const code of [500, 502, 503, 504]) {
      await px.setMode(`status:${code}`);
      const r = await fetch(tokenUrl, { method: 'POST' });
      assert.equal(r.status, code);
      await r.arrayBuffer();
    }
    await px.setMode('429');
    let r = await fetch(tokenUrl, { method: 'POST' });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    await r.arrayBuffer();
    await px.setMode('429:7');
    r = await fetch(tokenUrl, { method: 'POST' });
    assert.equal(r.headers.get('retry-after'), '7');
    await r.arrayBuffer();
    await px.setMode('429:none');
    r = await fetch(tokenUrl, { method: 'POST' });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), null);
    await r.arrayBuffer();
    await px.setMode('pass');
  });

  test('malformed200 (not JSON / JSON without access_token), invalid_client, invalid_scope', async () => {
    await px.setMode('malformed200');
    let r = await fetch(tokenUrl, { method: 'POST' });
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.throws(() => JSON.parse(text), SyntaxError);
    await px.setMode('malformed200:json');
    r = await fetch(tokenUrl, { method: 'POST' });
    const j = await r.json();
    assert.equal(r.status, 200);
    assert.equal(j.access_token, undefined);
    await px.setMode('invalid_client');
    let t = await cc();
    assert.equal(t.status, 400);
    assert.equal(t.error, 'invalid_client');
    await px.setMode('invalid_client:401');
    t = await cc();
    assert.equal(t.status, 401);
    await px.setMode('invalid_scope');
    t = await cc();
    assert.equal(t.status, 400);
    assert.equal(t.error, 'invalid_scope');
    await px.setMode('pass');
  });

  test('delay:<ms> answers late but correctly', async () => {
    await px.setMode('delay:300');
    const t0 = Date.now();
    const t = await cc();
    assert.ok(Date.now() - t0 >= 290);
    assert.equal(t.status, 200);
    await px.setMode('pass');
  });

  test('reset destroys the socket; hang never answers (client times out)', async () => {
    await px.setMode('reset');
    await assert.rejects(fetch(tokenUrl, { method: 'POST' }), TypeError);
    await px.setMode('hang');
    await assert.rejects(
      fetch(tokenUrl, { method: 'POST', signal: AbortSignal.timeout(300) }),
      (e) => e.name === 'TimeoutError',
    );
    assert.equal(px.requests.at(-1).status, 'hang');
    await px.setMode('pass');
    assert.equal((await cc()).status, 200);
  });

  test('refuse stops listening (ECONNREFUSED); the separate control server stays up', async () => {
    await px.setMode('refuse');
    assert.equal(await tcpConnect(px.port), 'ECONNREFUSED');
    const r = await fetch(`${px.controlUrl}/mode`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'pass' }),
    });
    assert.equal((await r.json()).mode, 'pass');
    assert.equal((await cc()).status, 200);
  });

  test('times/then: fail twice, then pass; requests are counted', async () => {
    px.clear();
    await px.setMode('status:503', { times: 2 });
    assert.equal((await cc()).status, 503);
    assert.equal((await cc()).status, 503);
    assert.equal((await cc()).status, 200);
    assert.deepEqual(px.requests.map((r) => r.mode), ['status:503', 'status:503', 'pass']);
    assert.equal(px.mode, 'pass');
  });

  test('HTTP control endpoint, in band (/__fault) and on the control server', async () => {
    let r = await fetch(`${px.url}/__fault/mode`, { method: 'POST', body: JSON.stringify({ mode: 'status:502' }) });
    assert.equal((await r.json()).mode, 'status:502');
    assert.equal((await cc()).status, 502);
    r = await fetch(`${px.controlUrl}/requests`);
    const { requests } = await r.json();
    assert.ok(requests.length >= 1);
    r = await fetch(`${px.controlUrl}/requests`, { method: 'DELETE' });
    assert.equal(px.requests.length, 0);
    r = await fetch(`${px.controlUrl}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'bogus' }) });
    assert.equal(r.status, 400);
    await px.setMode('pass');
  });

  test('parseMode validates', () => {
    assert.deepEqual(parseMode('delay:5'), { kind: 'delay', arg: 5 });
    assert.throws(() => parseMode('status:200'), TypeError);
    assert.throws(() => parseMode('delay:x'), TypeError);
    assert.deepEqual(clientOf({ headers: { authorization: `Basic ${Buffer.from('a%3Ab:c%20d').toString('base64')}` } }),
      { method: 'basic', clientId: 'a:b', clientSecret: 'c d' });
  });
});

describe('cli.mjs serve + control API', () => {
  let child;
  let info;

  async function control(path, body) {
    const r = await fetch(`${info.control}${path}`, body === undefined ? {} : {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: r.status, json: await r.json() };
  }

  before(async () => {
    child = spawn(process.execPath, [CLI, 'serve', '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout) {
      buf += chunk;
      if (buf.includes('\n')) break;
    }
    info = JSON.parse(buf.split('\n')[0]);
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.stdin.end(); // --exit-with-stdin
      await exited;
    }
  });

  test('serve prints one JSON line with both regions', () => {
    assert.match(info.control, /^http:\/\/127\.0\.0\.1:\d+\/control$/);
    for (const name of ['primary', 'secondary']) {
      const r = info.regions[name];
      assert.equal(r.issuer, `http://127.0.0.1:${r.port}/${name}`);
      assert.equal(r.jwksUri, `${r.issuer}/jwks`);
      assert.equal(r.clients.clientCredentials.clientId, `app-${name}-id`);
      assert.equal(r.clients.clientCredentials.clientSecret, `app-${name}-secret`);
      assert.ok(r.proxy.tokenEndpoint.endsWith(`/${name}/token`));
    }
  });

  test('id-token and cc-token through the control API verify against the region JWKS', async () => {
    const p = info.regions.primary;
    const { status, json } = await control('/id-token', { region: 'primary', nonce: 'cli-nonce' });
    assert.equal(status, 200, JSON.stringify(json));
    const jwks = (await control('/jwks?region=primary')).json;
    const { payload } = await jwtVerify(json.idToken, createLocalJWKSet(jwks), { issuer: p.issuer, audience: 'web-primary-id' });
    assert.equal(payload.nonce, 'cli-nonce');
    const cc = await control('/cc-token', { region: 'secondary' });
    assert.equal(cc.status, 200);
    assert.equal(cc.json.header.typ, 'at+jwt');
    assert.equal(cc.json.claims.client_id, 'app-secondary-id');
    const bad = await control('/cc-token', { region: 'secondary', clientSecret: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'invalid_client');
    assert.equal((await control('/cc-token', { region: 'nowhere' })).status, 404);
  });

  test('rotate, down/up, fault + requests', async () => {
    const rot = await control('/rotate', { region: 'primary' });
    assert.notEqual(rot.json.kid, rot.json.previousKid);
    assert.equal((await control('/info')).json.regions.primary.kid, rot.json.kid);

    await control('/down', { region: 'secondary', down: true });
    await assert.rejects(fetch(info.regions.secondary.jwksUri));
    await control('/down', { region: 'secondary', down: true, mode: '503' });
    assert.equal((await fetch(info.regions.secondary.tokenEndpoint, { method: 'POST' })).status, 503);
    await control('/down', { region: 'secondary', down: false });
    assert.equal((await fetch(info.regions.secondary.jwksUri)).status, 200);

    await control('/fault', { region: 'primary', mode: 'status:503', times: 1 });
    const via = await control('/cc-token', { region: 'primary', via: 'proxy' });
    assert.equal(via.status, 503);
    const ok = await control('/cc-token', { region: 'primary', via: 'proxy' });
    assert.equal(ok.status, 200);
    const stats = (await control('/stats?region=primary')).json;
    assert.ok(stats.counts.token >= 1, JSON.stringify(stats));
    const reqs = (await control('/requests?region=primary')).json.requests;
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].client.clientId, 'app-primary-id');
  });
});
