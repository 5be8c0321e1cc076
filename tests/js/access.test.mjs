// verifyAccessToken and the options of issue 10 through the package: the jwt profile's typ
// rule, the default clock tolerance (30 s) at its boundaries, scopes and roles, sender-
// constrained tokens, issuer lists and Entra templates (also through discovery), the Cognito
// helper, and the error fields (check, reason, status). Tokens are minted with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AT, ISSUER, KEYS, NOW, jwksOf, loadCjs, loadEsm, signJwt } from './helpers.mjs';

const m = await loadEsm();
const keys = jwksOf(KEYS.main);
const API = 'https://api.example.test';
const base = { issuer: ISSUER, audience: API, currentDate: AT };
const claims = (extra = {}) => ({ iss: ISSUER, sub: 'svc', aud: API, azp: 'app-1', scp: ['read', 'write'], iat: NOW - 10, exp: NOW + 300, ...extra });
const at = (extra, header = {}) => signJwt({ alg: 'RS256', kid: KEYS.main.kid, ...header }, claims(extra), KEYS.main);

function fails(token, options, fields) {
  assert.throws(() => m.verifyAccessToken(token, keys, options), (e) => {
    assert.ok(e instanceof m.OidcEdgeError, String(e));
    for (const [k, v] of Object.entries(fields)) assert.equal(e[k], v, `${k}: ${e.message}`);
    return true;
  });
}

test('jwt profile: typ absent, JWT, at+jwt or application/at+jwt; another kind of JWT is refused', () => {
  for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'Application/AT+JWT']) {
    assert.equal(m.verifyAccessToken(at({}, typ ? { typ } : {}), keys, base).payload.sub, 'svc', typ);
  }
  for (const typ of ['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'id_token+jwt', 'application/jwt+x']) {
    fails(at({}, { typ }), base, { kind: 'invalid_typ', check: 'header', claim: 'typ', status: 401 });
  }
  // the ID token call keeps the ID token rules
  assert.throws(() => m.verifyIdToken(at({}, { typ: 'at+jwt' }), keys, { issuer: ISSUER, clientId: 'app-1', currentDate: AT }), (e) => e.kind === 'invalid_typ');
  // options: issuer and audience are required
  assert.throws(() => m.verifyAccessToken(at(), keys, { issuer: ISSUER, currentDate: AT }), TypeError);
  assert.throws(() => m.verifyAccessToken(at(), keys, { audience: API, currentDate: AT }), TypeError);
  assert.throws(() => m.verifyAccessToken(at(), keys, { ...base, profile: 'saml' }), TypeError);
});

test('default clock tolerance 30 s, at its boundaries (exp, nbf, iat), in both calls', () => {
  const ok = (extra) => assert.ok(m.verifyAccessToken(at(extra), keys, base), JSON.stringify(extra));
  ok({ exp: NOW - 29 });
  fails(at({ exp: NOW - 30 }), base, { kind: 'expired', code: 'ERR_JWT_EXPIRED', check: 'exp', claim: 'exp', reason: 'check_failed' });
  ok({ nbf: NOW + 30 });
  fails(at({ nbf: NOW + 31 }), base, { kind: 'not_yet_valid', check: 'nbf' });
  ok({ iat: NOW + 30 });
  fails(at({ iat: NOW + 31 }), base, { kind: 'iat_in_future', check: 'iat' });
  // an ID token from a provider whose clock runs a second ahead
  const id = signJwt({ alg: 'RS256', kid: KEYS.main.kid }, { iss: ISSUER, sub: 'u', aud: 'c', iat: NOW + 1, exp: NOW + 600 }, KEYS.main);
  assert.ok(m.verifyIdToken(id, keys, { issuer: ISSUER, clientId: 'c', currentDate: AT }));
  // an explicit tolerance replaces the default
  fails(at({ exp: NOW - 1 }), { ...base, clockTolerance: 0 }, { kind: 'expired' });
  ok({ iat: undefined }); // iat is optional for jwt, checked when present
});

test('scopes (scope or scp) and roles; missing ones are insufficient_scope (403), checked last', () => {
  assert.ok(m.verifyAccessToken(at(), keys, { ...base, requiredScopes: 'read write' }));
  assert.ok(m.verifyAccessToken(at({ scp: 'read write' }), keys, { ...base, requiredScopes: ['write'] }));
  assert.ok(m.verifyAccessToken(at({ scp: undefined, scope: 'read write' }), keys, { ...base, requiredScopes: ['read'] }));
  assert.ok(m.verifyAccessToken(at({ scp: undefined, roles: ['Admin'] }), keys, { ...base, requiredRoles: 'Admin' }));
  fails(at(), { ...base, requiredScopes: ['admin'] }, { kind: 'insufficient_scope', status: 403, check: 'scope', claim: 'scope', reason: 'check_failed', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  fails(at({ roles: ['Reader'] }), { ...base, requiredRoles: ['Admin'] }, { kind: 'insufficient_scope', claim: 'roles' });
  // an otherwise invalid token gets its 401 error first
  fails(at({ aud: 'elsewhere' }), { ...base, requiredScopes: ['admin'] }, { kind: 'aud_mismatch', status: 401 });
  fails(at({ cnf: { jkt: 'abc' } }), { ...base, requiredScopes: ['admin'] }, { kind: 'dpop_required' });
});

test('the client: client_id, azp, cid or appid, whichever the token carries (in that order)', () => {
  const o = { ...base, clientIds: ['app-1'] };
  assert.ok(m.verifyAccessToken(at(), keys, o));
  assert.ok(m.verifyAccessToken(at({ azp: undefined, cid: 'app-1' }), keys, o));
  assert.ok(m.verifyAccessToken(at({ azp: undefined, appid: 'app-1' }), keys, o));
  fails(at({ client_id: 'app-2' }), o, { kind: 'aud_mismatch', claim: 'client_id', check: 'client' });
  fails(at({ azp: undefined, cid: 'app-2' }), o, { kind: 'aud_mismatch', claim: 'cid' });
  fails(at({ azp: undefined }), o, { kind: 'claim_missing', claim: 'client_id', reason: 'missing' });
});

test('a sender-constrained token (cnf) presented as a bearer token is refused', () => {
  fails(at({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }), base,
    { kind: 'dpop_required', code: 'ERR_DPOP_REQUIRED', claim: 'cnf', check: 'cnf', status: 401 });
  fails(at({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }), base, { kind: 'claim_invalid', claim: 'cnf', check: 'cnf', reason: 'invalid' });
  // the RFC 9068 profile refuses it too
  const rfc9068 = signJwt({ alg: 'RS256', kid: KEYS.main.kid, typ: 'at+jwt' }, claims({ client_id: 'app-1', jti: 'j-1', cnf: { jkt: 'x' } }), KEYS.main);
  fails(rfc9068, { ...base, profile: 'at_jwt' }, { kind: 'dpop_required' });
  assert.ok(m.verifyAccessToken(signJwt({ alg: 'RS256', kid: KEYS.main.kid, typ: 'at+jwt' }, claims({ client_id: 'app-1', jti: 'j-1' }), KEYS.main), keys, { ...base, profile: 'at_jwt' }));
});

test('issuer lists and Entra templates with allowed tenants or anyTenant', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const OTHER = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
  const entra = (tid) => ({ iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid });
  assert.ok(m.verifyAccessToken(at(), keys, { ...base, issuer: ['https://elsewhere.example', ISSUER] }));
  assert.ok(m.verifyAccessToken(at(entra(TENANT)), keys, { ...base, issuer: TEMPLATE, allowedTenants: [TENANT] }));
  fails(at(entra(OTHER)), { ...base, issuer: TEMPLATE, allowedTenants: [TENANT] }, { kind: 'iss_mismatch', claim: 'tid' });
  assert.ok(m.verifyAccessToken(at(entra(OTHER)), keys, { ...base, issuer: TEMPLATE, anyTenant: true }));
  fails(at({ ...entra(TENANT), tid: OTHER }), { ...base, issuer: TEMPLATE, anyTenant: true }, { kind: 'iss_mismatch' });
  // a template alone would accept any tenant, an attacker's too: a configuration error
  assert.throws(() => m.verifyAccessToken(at(entra(TENANT)), keys, { ...base, issuer: TEMPLATE }), TypeError);
  assert.throws(() => m.verifyAccessToken(at(), keys, { ...base, allowedTenants: [TENANT] }), TypeError);
  assert.throws(() => m.verifyAccessToken(at(), keys, { ...base, issuer: TEMPLATE, anyTenant: 'yes' }), TypeError);
});

test('discovery of an Entra multi-tenant endpoint: the template it publishes, given as options.issuer', async () => {
  let base_;
  const server = http.createServer((req, res) => {
    const doc = { issuer: `${base_}/{tenantid}/v2.0`, jwks_uri: `${base_}/common/discovery/v2.0/keys` };
    if (req.url === '/organizations/v2.0/.well-known/openid-configuration') res.end(JSON.stringify(doc));
    else if (req.url === '/common/discovery/v2.0/keys') res.end(JSON.stringify(keys));
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base_ = `http://127.0.0.1:${server.address().port}`;
  try {
    const template = `${base_}/{tenantid}/v2.0`;
    await assert.rejects(m.discover(`${base_}/organizations/v2.0`), TypeError, 'the document names a template, not this URL');
    const op = await m.discover(`${base_}/organizations/v2.0`, { issuer: template });
    assert.equal(op.issuer, template);
    const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const token = at({ iss: `${base_}/${TENANT}/v2.0`, tid: TENANT });
    assert.equal((await m.verifyAccessTokenAsync(token, op, { audience: API, allowedTenants: [TENANT], currentDate: AT })).payload.tid, TENANT);
    await assert.rejects(m.verifyAccessTokenAsync(token, op, { audience: API, currentDate: AT }), TypeError, 'the template needs tenants');
  } finally {
    server.close();
  }
});

test('cognitoUserPool: the regional and multi-Region issuers and the JWKS URL, from the core', () => {
  assert.deepEqual(m.cognitoUserPool({ region: 'eu-west-1', userPoolId: 'us-east-1_AbC123' }), {
    issuer: ['https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123'],
    jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json',
  });
  const multi = m.cognitoUserPool({ region: 'eu-west-1', userPoolId: 'us-east-1_AbC123', primaryRegion: 'us-east-1' });
  assert.deepEqual(multi.issuer, [
    'https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123',
    'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123',
  ]);
  assert.equal(multi.jwksUri, 'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json');
  assert.equal(m.cognitoUserPool({ region: 'cn-north-1', userPoolId: 'cn-north-1_x1' }).issuer[0], 'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_x1');
  for (const bad of [{ region: 'us-east-1', userPoolId: 'nounderscore' }, { region: 'US-EAST-1', userPoolId: 'a_b' }, { region: 'us-east-1', userPoolId: 'a_b/c' },
    { userPoolId: 'a_b' }, { region: 'us-east-1', userPoolId: 'a_b', extra: 1 }, undefined]) {
    assert.throws(() => m.cognitoUserPool(bad), TypeError, JSON.stringify(bad));
  }
  // the natural call with it: a Cognito access token
  const pool = m.cognitoUserPool({ region: 'us-east-1', userPoolId: 'us-east-1_AbC123' });
  const token = signJwt({ alg: 'RS256', kid: KEYS.main.kid }, { iss: pool.issuer[0], sub: 'u', client_id: 'app', token_use: 'access', scope: 'orders/read', iat: NOW - 5, exp: NOW + 300 }, KEYS.main);
  assert.ok(m.verifyAccessToken(token, keys, { issuer: pool.issuer, profile: 'cognito_access', clientIds: ['app'], requiredScopes: 'orders/read', currentDate: AT }));
});

test('CommonJS: verifyAccessToken and the error fields', () => {
  const c = loadCjs();
  assert.ok(c.verifyAccessToken(at(), keys, base));
  assert.throws(() => c.verifyAccessToken(at({ exp: NOW - 60 }), keys, base), (e) => e instanceof c.OidcEdgeError && e.check === 'exp' && e.reason === 'check_failed' && e.status === 401);
});
