// The API helpers: RFC 6750 bearer token extraction from Fetch and Node requests, and the
// answer to a refused request (status, WWW-Authenticate challenge, body).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AT, CLIENT, ISSUER, KEYS, idToken, jwksOf, loadCjs, loadEsm } from './helpers.mjs';

const m = await loadEsm();
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

/** The same request as a Fetch Request and as a Node-style request (headers object, path). */
function requests({ authorization, path = '/api', body } = {}) {
  const headers = authorization === undefined ? {} : { authorization };
  const fetchReq = new Request(`https://api.example${path}`, { headers: Array.isArray(authorization) ? authorization.map((a) => ['authorization', a]) : headers });
  const nodeReq = { headers, url: path, body };
  return { fetchReq, nodeReq };
}

function bearerFails(req, status, error, options) {
  assert.throws(() => m.bearerToken(req, options), (e) => {
    assert.ok(e instanceof m.BearerError, String(e));
    assert.equal(e.name, 'BearerError');
    assert.equal(e.status, status);
    assert.equal(e.error, error);
    return true;
  });
}

test('bearerToken: the one token of the Authorization header, scheme in any case', () => {
  for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`, `Bearer ${TOKEN}  `]) {
    const { fetchReq, nodeReq } = requests({ authorization });
    assert.equal(m.bearerToken(fetchReq), TOKEN, authorization);
    assert.equal(m.bearerToken(nodeReq), TOKEN, authorization);
  }
  // b64token allows = padding at the end and ~ + /
  assert.equal(m.bearerToken({ headers: { authorization: 'Bearer ab~+/c==' } }), 'ab~+/c==');
});

test('bearerToken: no bearer token is 401 without an error code; a malformed one is 400 invalid_request', () => {
  for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', `DPoP ${TOKEN}`, `Bearerx ${TOKEN}`]) {
    const { fetchReq, nodeReq } = requests({ authorization });
    bearerFails(fetchReq, 401, undefined);
    bearerFails(nodeReq, 401, undefined);
  }
  for (const authorization of ['Bearer', 'Bearer ', `Bearer ${TOKEN} ${TOKEN}`, `Bearer ${TOKEN},x`, 'Bearer a"b', `Bearer =${TOKEN}`, `Bearer\t${TOKEN}`]) {
    bearerFails({ headers: { authorization } }, 400, 'invalid_request');
  }
  // two Authorization headers (a Fetch Headers object joins them with ", ")
  bearerFails(requests({ authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }).fetchReq, 400, 'invalid_request');
  bearerFails({ headers: { authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] } }, 400, 'invalid_request');
});

test('bearerToken: a token in two places is refused; query and form tokens only when allowed', () => {
  const both = requests({ authorization: `Bearer ${TOKEN}`, path: `/api?access_token=${TOKEN}` });
  bearerFails(both.fetchReq, 400, 'invalid_request');
  bearerFails(both.nodeReq, 400, 'invalid_request');
  bearerFails(both.fetchReq, 400, 'invalid_request', { query: true });
  const form = requests({ authorization: `Bearer ${TOKEN}`, body: { access_token: TOKEN } });
  bearerFails(form.nodeReq, 400, 'invalid_request');
  bearerFails(form.fetchReq, 400, 'invalid_request', { body: new URLSearchParams({ access_token: TOKEN }) });
  // alone in the query or the form: refused unless allowed
  const q = requests({ path: `/api?x=1&access_token=${TOKEN}` });
  bearerFails(q.fetchReq, 400, 'invalid_request');
  assert.equal(m.bearerToken(q.fetchReq, { query: true }), TOKEN);
  assert.equal(m.bearerToken(q.nodeReq, { query: true }), TOKEN);
  bearerFails(requests({ path: `/api?access_token=a&access_token=b` }).nodeReq, 400, 'invalid_request', { query: true });
  const f = requests({ body: { access_token: TOKEN } }).nodeReq;
  bearerFails(f, 400, 'invalid_request');
  assert.equal(m.bearerToken(f, { form: true }), TOKEN);
  bearerFails({ headers: {}, body: { access_token: '' } }, 400, 'invalid_request', { form: true });
  // an unread Fetch body is never consumed
  const post = new Request('https://api.example/api', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${TOKEN}` });
  assert.equal(m.bearerToken(post), TOKEN);
  assert.equal(post.bodyUsed, false);
  // misuse
  assert.throws(() => m.bearerToken(undefined), TypeError);
  assert.throws(() => m.bearerToken('Bearer x'), TypeError);
});

test('challenge: 401 invalid_token, 403 insufficient_scope, 503 with Retry-After, 400/401 for the request', () => {
  const keys = jwksOf(KEYS.main);
  const options = { issuer: ISSUER, clientId: CLIENT, currentDate: AT };
  let expired;
  try { m.verifyIdToken(idToken({ exp: 1 }), keys, options); } catch (e) { expired = e; }
  assert.equal(expired.status, 401);
  const c = m.challenge(expired, { realm: 'api' });
  assert.equal(c.status, 401);
  assert.equal(c.headers['www-authenticate'], `Bearer realm="api", error="invalid_token", error_description="${expired.message}"`);
  assert.deepEqual(c.body, { error: 'invalid_token', error_description: expired.message, kind: 'expired', code: 'ERR_JWT_EXPIRED', claim: 'exp' });

  const scope = new m.OidcEdgeError('a required scope is missing', { kind: 'insufficient_scope', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', status: 403, claim: 'scope' });
  const s = m.challenge(scope, { scope: ['api:read', 'api:write'] });
  assert.equal(s.status, 403);
  assert.equal(s.headers['www-authenticate'], 'Bearer error="insufficient_scope", error_description="a required scope is missing", scope="api:read api:write"');

  // a DPoP-bound token presented as a bearer token: the challenge names the DPoP scheme
  const bound = new m.OidcEdgeError('the token is DPoP-bound', { kind: 'dpop_required', code: 'ERR_DPOP_REQUIRED', status: 401, claim: 'cnf' });
  assert.equal(m.challenge(bound).headers['www-authenticate'], 'DPoP error="invalid_token", error_description="the token is DPoP-bound"');

  const down = new m.OidcEdgeError('the key set is unavailable', { kind: 'jwks_unavailable', code: 'ERR_JOSE_GENERIC', status: 503 });
  assert.deepEqual(m.challenge(down, { retryAfter: 7 }), { status: 503, headers: { 'retry-after': '7' }, body: { error: 'temporarily_unavailable', kind: 'jwks_unavailable', code: 'ERR_JOSE_GENERIC' } });

  let missing;
  try { m.bearerToken({ headers: {} }); } catch (e) { missing = e; }
  assert.deepEqual(m.challenge(missing, { realm: 'api' }).headers, { 'www-authenticate': 'Bearer realm="api"' });
  assert.equal(m.challenge(missing).headers['www-authenticate'], 'Bearer');
  let bad;
  try { m.bearerToken({ headers: { authorization: 'Bearer a b' } }); } catch (e) { bad = e; }
  const b = m.challenge(bad);
  assert.equal(b.status, 400);
  assert.match(b.headers['www-authenticate'], /^Bearer error="invalid_request", error_description="[^"]+"$/);

  // quoted-string values carry only what RFC 6750 allows (no quote, no backslash)
  const odd = new m.OidcEdgeError('say "hi" \\ bye', { kind: 'malformed', code: 'ERR_JWS_INVALID', status: 401 });
  assert.equal(m.challenge(odd, { realm: 'a"b' }).headers['www-authenticate'], 'Bearer realm="ab", error="invalid_token", error_description="say hi  bye"');
  // anything else is a bug to surface, thrown again
  const bug = new TypeError('options must be an object');
  assert.throws(() => m.challenge(bug), (e) => e === bug);
});

test('CommonJS has the helpers too', () => {
  const c = loadCjs();
  assert.equal(c.bearerToken({ headers: { authorization: `Bearer ${TOKEN}` } }), TOKEN);
  assert.equal(typeof c.challenge, 'function');
  assert.equal(c.BearerError.name, 'BearerError');
});
