// The demo page: collects the inputs, asks oidc-edge for the verdict on an ID token or an
// access token, and shows it check by check. Every decision is the verifier's: the per-check
// list is derived from the single error it returns (the failing check is the one the core
// names in `err.check`; checks before it passed; checks after it were not reached) and from
// the options given (a check with no input is skipped). The page never re-checks a claim
// itself. "Sign in" (signin.js) gets an ID token from a provider to check.
import {
  JwkSet, OidcEdgeError, discover, inspect, verifyAccessToken, verifyAccessTokenAsync, verifyIdToken,
  verifyIdTokenAsync,
} from 'oidc-edge';
import { completeSignIn, redirectUri, signIn } from './signin.js';

const $ = (id) => document.getElementById(id);

// The ID token example of OpenID Connect Core 1.0 section 3.1.3.3, verifiable with the key of
// Appendix A.7 (it expired in 2011, so the example sets "check at").
const EXAMPLE = {
  token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.ewogImlzcyI6ICJodHRwOi8vc2VydmVyLmV4YW1wbGUuY29tIiwKICJzdWIiOiAiMjQ4Mjg5NzYxMDAxIiwKICJhdWQiOiAiczZCaGRSa3F0MyIsCiAibm9uY2UiOiAibi0wUzZfV3pBMk1qIiwKICJleHAiOiAxMzExMjgxOTcwLAogImlhdCI6IDEzMTEyODA5NzAKfQ.ggW8hZ1EuVLuxNuuIJKX_V8a_OMXzR0EHR9R6jgdqrOOF4daGU96Sr_P6qJp6IcmD3HP99Obi1PRs-cwh3LO-p146waJ8IhehcwL7F09JdijmBqkvPeB2T9CJNqeGpe-gccMg4vfKjkM8FcGvnzZUN4_KSP0aAp1tOJ1zZwgjxqGByKHiOtX7TpdQyHE5lcMiKPXfEIQILVq0pc_E2DzL7emopWoaoZTF_m0_N0YzFC6g6EJbOEoRoSK5hoDalrcvRYLSrQAZZKflyuVCyixEoV9GfNQC3_osjzw2PAithfubEEBLuVVk4XUVrWOLrLl0nx7RkKU8NXNHq-rvKMzqg',
  jwks: { keys: [{ kty: 'RSA', kid: '1e9gdk7', n: 'w7Zdfmece8iaB0kiTY8pCtiBtzbptJmP28nSWwtdjRu0f2GFpajvWE4VhfJAjEsOcwYzay7XGN0b-X84BfC8hmCTOj2b2eHT7NsZegFPKRUQzJ9wW8ipn_aDJWMGDuB1XyqT1E7DYqjUCEOD1b4FLpy_xPn6oV_TYOfQ9fZdbE5HGxJUzekuGcOKqOQ8M7wfYHhHHLxGpQVgL0apWuP2gDDOdTtpuld4D2LK1MZK99s9gaSjRHE8JDb1Z4IGhEcEyzkxswVdPndUWzfvWBBWXWxtSUvQGBRkuy1BHOa4sP6FKjWEeeF7gm7UMs2Nm2QUgNZw6xvEDGaLk4KASdIxRQ', e: 'AQAB' }] },
  issuer: 'http://server.example.com',
  client: 's6BhdRkqt3',
  nonce: 'n-0S6_WzA2Mj',
  at: '2011-07-21T20:43:20',
};

/** The access-token profiles (the rest of the page calls the ID token profile `id_token`). */
const isAccess = (o) => (o.profile ?? 'id_token') !== 'id_token';

/**
 * The checks in the order the verifier runs them (the core's `Check::ALL`; tests/taxonomy.rs
 * keeps this list equal to it), each with its place
 * in the specs. `skip(o)` names the reason a check does not run for these options.
 */
const CHECKS = [
  { id: 'structure', step: 'JWS · step 1', what: 'Compact JWS: three strict base64url segments, JSON header, size limit', pass: 'a signed (not encrypted) token; step 1 (decryption) does not apply' },
  { id: 'header', step: 'Steps 7–8', what: 'alg in the allowed list (never none or HMAC); crit; typ for the profile', pass: (r) => `alg ${r.header?.alg}${r.header?.typ ? `, typ ${r.header.typ}` : ''}` },
  { id: 'key', step: 'Step 6', what: "Key from the issuer's set: kid, use / key_ops / alg, 2048–8192 bits", pass: (r) => (r.header?.kid ? `kid ${r.header.kid}` : 'the one usable key (no kid)') },
  { id: 'signature', step: 'Step 6', what: 'Signature over the exact header.payload', pass: 'valid' },
  { id: 'payload', step: 'JWT', what: 'Payload is a JSON object; claim types (NumericDate, strings)', pass: 'ok' },
  { id: 'iss', step: 'Step 2', what: 'iss is the issuer exactly', pass: (r) => r.payload?.iss },
  { id: 'aud', step: 'Step 3 · RFC 9068 4', what: 'aud contains the client ID (ID token) or the audience (access token), and no untrusted audience', skip: (o) => o.profile === 'cognito_access' && 'Cognito access tokens have no aud', pass: (r) => JSON.stringify(r.payload?.aud) },
  { id: 'azp', step: 'Steps 4–5', what: 'azp present with several audiences, and equal to the client ID', skip: (o) => isAccess(o) && 'access token: azp, when present, names the client (client check)', pass: (r) => (r.payload?.azp === undefined ? 'absent (one audience)' : r.payload.azp) },
  { id: 'client', step: 'RFC 9068 2.2', what: "The access token's client is allowed (client_id, azp, cid or appid); Cognito's token_use", skip: (o) => (!isAccess(o) && 'ID token: the client is the audience') || (o.profile === 'jwt' && !o.clientIds && 'no client IDs given'), pass: (r) => clientOf(r.payload)?.text },
  { id: 'exp', step: 'Step 9', what: 'Not expired (exp, with the clock tolerance)', pass: (r) => when(r.payload?.exp, r.now) },
  { id: 'nbf', step: 'RFC 7519 4.1.5', what: 'Not before (nbf)', pass: (r) => (r.payload?.nbf === undefined ? 'absent' : when(r.payload.nbf, r.now)) },
  { id: 'iat', step: 'Step 10', what: 'Issued at (iat) not in the future', pass: (r) => (r.payload?.iat === undefined ? 'absent' : when(r.payload.iat, r.now)) },
  { id: 'nonce', step: 'Step 11', what: 'nonce equals the one sent', skip: (o) => !o.nonce && 'no nonce given', pass: 'equal' },
  { id: 'auth_time', step: 'Step 13', what: 'auth_time within max_age', skip: (o) => o.maxAge === undefined && 'no max_age given', pass: (r) => when(r.payload?.auth_time, r.now) },
  { id: 'acr', step: 'Step 12', what: 'acr among the requested values', skip: () => 'no acr values requested' },
  { id: 'hashes', step: '3.1.3.8 / 3.3.2.11', what: 'at_hash / c_hash against the access token / code', skip: (o) => !o.accessToken && 'no access token or code given', pass: (r) => (r.payload?.at_hash ? 'at_hash matches the access token' : 'at_hash absent (optional in the code flow)') },
  { id: 'required', step: 'Core section 2 · RFC 9068 2.2', what: 'Required claims present', pass: (r) => (r.payload?.sub === undefined ? 'present' : `sub ${r.payload.sub}`) },
  { id: 'cnf', step: 'RFC 9449 · RFC 8705', what: 'A bearer access token carries no cnf (a sender-constrained token needs its proof)', skip: (o) => !isAccess(o) && 'ID token', pass: 'no cnf: a bearer token' },
  { id: 'scope', step: 'RFC 6750 3.1', what: 'Required scopes (scope or scp) and roles present', skip: (o) => !o.requiredScopes && !o.requiredRoles && 'no scopes or roles required', pass: (r) => scopesOf(r.payload).join(' ') },
];

/** The claim an access token names its client with: the first of client_id, azp, cid (Okta),
 *  appid (Entra v1) that it carries, the order the core reads them in (display only: the
 *  core made the decision). */
function clientOf(payload) {
  const claim = ['client_id', 'azp', 'cid', 'appid'].find((c) => typeof payload?.[c] === 'string');
  return claim && { claim, id: payload[claim], text: `${payload[claim]} (from ${claim})` };
}

/** The scopes of an access token: `scope` (space-separated) or `scp` (a list or a string). */
function scopesOf(payload) {
  const v = payload?.scope ?? payload?.scp;
  if (Array.isArray(v)) return v.filter((s) => typeof s === 'string');
  return typeof v === 'string' ? v.split(' ').filter(Boolean) : [];
}

function when(seconds, now) {
  if (typeof seconds !== 'number') return String(seconds);
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return String(seconds);
  return `${d.toISOString().replace('.000Z', 'Z')} (${relative(seconds - now)})`;
}

function relative(delta) {
  const a = Math.abs(delta);
  const units = [[86400 * 365, 'year'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const [size, name] = units.find(([s]) => a >= s) ?? [1, 'second'];
  const n = Math.floor(a / size);
  const text = `${n} ${name}${n === 1 ? '' : 's'}`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

function fillTable(table, obj, now) {
  table.replaceChildren();
  if (!obj) {
    table.append(el('tr', {}, el('td', {}, 'not decodable')));
    return;
  }
  for (const [k, v] of Object.entries(obj)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    const td = el('td', {}, text);
    if (TIME_CLAIMS.has(k) && typeof v === 'number') td.append(el('span', { class: 'when' }, when(v, now)));
    table.append(el('tr', {}, el('th', { scope: 'row' }, k), td));
  }
}

/** The token kind chosen: 'id' or 'access'. */
const kind = () => document.querySelector('input[name=kind]:checked').value;

function readOptions() {
  const o = {};
  const value = (id) => $(id).value.trim();
  const issuer = value('issuer');
  const client = value('client');
  const tolerance = value('tolerance');
  const at = $('at').value;
  if (issuer) o.issuer = issuer;
  if (kind() === 'id') {
    if (client) o.clientId = client;
    if (value('nonce')) o.nonce = value('nonce');
    if (value('maxage')) o.maxAge = Number(value('maxage'));
    if (value('access-token')) o.accessToken = value('access-token');
  } else {
    o.profile = $('profile').value;
    const ids = client.split(/[\s,]+/).filter(Boolean);
    if (ids.length) o.clientIds = ids;
    if (value('audience')) o.audience = value('audience');
    const scopes = value('scopes').split(' ').filter(Boolean);
    if (scopes.length) o.requiredScopes = scopes;
  }
  if (tolerance) o.clockTolerance = Number(tolerance);
  if (at) o.currentDate = new Date(`${at}Z`);
  return o;
}

function renderChecks(outcome, options) {
  const list = $('checks');
  list.replaceChildren();
  // The failing check is the one the core names (err.check); checks before it passed.
  const failed = outcome.error?.check;
  let reached = true;
  for (const c of CHECKS) {
    let state;
    let detail;
    const skip = c.skip?.(options);
    if (!reached) {
      state = 'not-reached';
      detail = skip || 'not reached: an earlier check failed';
    } else if (c.id === failed) {
      state = 'fail';
      const e = outcome.error;
      detail = `${e.kind} · ${e.code}${e.claim ? ` · claim ${e.claim}` : ''}${e.reason ? ` · ${e.reason}` : ''} — ${e.message}`;
      reached = false;
    } else if (skip) {
      state = 'skipped';
      detail = skip;
    } else {
      state = 'pass';
      detail = typeof c.pass === 'function' ? c.pass(outcome) : c.pass;
    }
    const label = { pass: 'pass', fail: 'fail', skipped: 'skipped', 'not-reached': 'not reached' }[state];
    list.append(el('li', { class: state, 'data-check': c.id, 'data-state': state },
      el('span', { class: 'step' }, c.step),
      el('span', { class: 'what' }, c.what),
      el('span', { class: `state ${state}` }, label),
      el('span', { class: 'detail' }, detail ?? '')));
  }
}

function renderVerdict(outcome, options) {
  const v = $('verdict');
  v.replaceChildren();
  $('access').hidden = true;
  if (outcome.inputError) {
    v.className = 'verdict input';
    v.dataset.verdict = 'input';
    v.append(el('strong', {}, 'Cannot check: the input is incomplete'), outcome.inputError);
    return;
  }
  const what = isAccess(options) ? 'access token' : 'ID token';
  if (!outcome.error) {
    v.className = 'verdict ok';
    v.dataset.verdict = 'valid';
    v.append(el('strong', {}, `Valid ${what}`), `Every check passed for ${outcome.payload?.sub ? `sub ${outcome.payload.sub}` : 'this token'}.`);
    if (isAccess(options)) renderAccess(outcome.payload);
    return;
  }
  const e = outcome.error;
  v.className = 'verdict bad';
  v.dataset.verdict = 'rejected';
  v.dataset.kind = e.kind;
  v.append(el('strong', {}, `Rejected ${what}: ${e.message}`),
    el('div', { class: 'codes' }, `kind ${e.kind} · code ${e.code} · check ${e.check}${e.claim ? ` · claim ${e.claim}` : ''}${e.reason ? ` · reason ${e.reason}` : ''}`));
}

/** Who the verified access token names as its client, and what it may do. */
function renderAccess(payload) {
  const client = clientOf(payload);
  $('access-client').textContent = client ? client.text : 'none named (no client_id, azp, cid or appid)';
  $('access-client').dataset.claim = client?.claim ?? '';
  const scopes = scopesOf(payload);
  $('access-scopes').textContent = scopes.length ? scopes.join(' ') : 'none';
  const roles = Array.isArray(payload?.roles) ? payload.roles : [];
  $('access-roles').textContent = roles.length ? roles.join(' ') : 'none';
  $('access').hidden = false;
}

/** The verified token, with keys from discovery or from the pasted JWK Set. */
async function verify(token, options) {
  const access = isAccess(options);
  if (document.querySelector('input[name=keysource]:checked').value === 'discovery') {
    const op = await discover(options.issuer);
    return (access ? verifyAccessTokenAsync : verifyIdTokenAsync)(token, op, options);
  }
  let jwks;
  try { jwks = JSON.parse($('jwks').value); } catch { throw new TypeError('the JWK Set is not valid JSON'); }
  if (jwks === null || typeof jwks !== 'object') throw new TypeError('the JWK Set must be a JSON object');
  return (access ? verifyAccessToken : verifyIdToken)(token, new JwkSet(jwks), options);
}

async function check(event) {
  event?.preventDefault();
  const token = $('token').value.trim();
  const options = readOptions();
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  const outcome = { now };
  let decoded;
  try { decoded = inspect(token); } catch { decoded = undefined; }
  outcome.header = decoded?.header;
  outcome.payload = decoded?.payload;
  $('status').textContent = 'Checking…';
  try {
    if (!token) throw new TypeError(`paste ${isAccess(options) ? 'an access token' : 'an ID token'}`);
    if (!options.issuer) throw new TypeError('give the issuer');
    if (!isAccess(options) && !options.clientId) throw new TypeError('give the client ID');
    const result = await verify(token, options);
    outcome.header = result.protectedHeader;
    outcome.payload = result.payload;
    outcome.trusted = true;
  } catch (e) {
    if (e instanceof OidcEdgeError) outcome.error = e;
    else if (e instanceof TypeError) outcome.inputError = e.message;
    else outcome.inputError = String(e?.message ?? e);
  }
  renderVerdict(outcome, options);
  if (outcome.inputError) {
    $('checks').replaceChildren();
  } else {
    renderChecks(outcome, options);
  }
  const badge = outcome.trusted ? ['trusted', 'verified'] : ['untrusted', 'not verified'];
  for (const id of ['header-trust', 'claims-trust']) {
    $(id).className = `badge ${badge[0]}`;
    $(id).textContent = badge[1];
  }
  fillTable($('header'), outcome.header, now);
  fillTable($('claims'), outcome.payload, now);
  $('result').hidden = false;
  $('status').textContent = '';
  document.body.dataset.checked = String(Date.now());
}

function syncKeySource() {
  const discovery = document.querySelector('input[name=keysource]:checked').value === 'discovery';
  $('jwks-box').hidden = discovery;
  $('discovery-note').hidden = !discovery;
}

/** Shows the inputs of the chosen token kind. */
function syncKind() {
  const access = kind() === 'access';
  $('profile-box').hidden = !access;
  $('token-label').textContent = access ? 'Access token' : 'ID token';
  $('client-label').textContent = access ? 'Allowed client IDs' : 'Client ID';
  $('client-hint').textContent = access ? 'optional, space separated' : '';
  for (const e of document.querySelectorAll('.id-only')) e.hidden = access;
  for (const e of document.querySelectorAll('.access-only')) e.hidden = !access;
}

function setKind(value) {
  document.querySelector(`input[name=kind][value=${value}]`).checked = true;
  syncKind();
}

function loadExample() {
  setKind('id');
  $('token').value = EXAMPLE.token;
  $('jwks').value = JSON.stringify(EXAMPLE.jwks, null, 1);
  $('issuer').value = EXAMPLE.issuer;
  $('client').value = EXAMPLE.client;
  $('nonce').value = EXAMPLE.nonce;
  $('maxage').value = '';
  $('access-token').value = '';
  $('at').value = EXAMPLE.at;
  document.querySelector('input[name=keysource][value=jwks]').checked = true;
  syncKeySource();
}

function showSteps(steps) {
  $('signin-steps').replaceChildren(...steps.map((s) => el('li', {}, s)));
  $('signin-steps').hidden = false;
}

/** Back from the provider: the code exchanged, the form filled with what the token response
 *  and the request hold, and the ID token checked like a pasted one. */
async function afterSignIn() {
  let r;
  try {
    r = await completeSignIn();
  } catch (e) {
    showSteps([`sign-in failed: ${e.message}`]);
    document.body.dataset.signin = 'failed';
    return;
  }
  if (!r) return;
  setKind('id');
  $('token').value = r.idToken;
  $('issuer').value = r.issuer;
  $('client').value = r.clientId;
  $('nonce').value = r.nonce;
  $('access-token').value = r.accessToken ?? '';
  document.querySelector('input[name=keysource][value=discovery]').checked = true;
  syncKeySource();
  showSteps([...r.steps, 'ID token of the token response checked below (nonce, at_hash against the access token)']);
  document.body.dataset.signin = 'done';
  await check();
}

/** `?issuer=...&client_id=...` fill the form (a link to the page can set up a sign-in). */
function prefill() {
  const q = new URLSearchParams(location.search);
  if (q.has('state')) return; // a redirect back from the provider, not a link
  if (q.get('issuer')) $('issuer').value = q.get('issuer');
  if (q.get('client_id')) $('client').value = q.get('client_id');
}

async function startSignIn() {
  const issuer = $('issuer').value.trim();
  const clientId = $('client').value.trim();
  if (!issuer || !clientId) {
    showSteps(['give the issuer and the client ID of a public client first']);
    return;
  }
  try {
    await signIn({ issuer, clientId, scope: 'openid profile email' });
  } catch (e) {
    showSteps([`sign-in failed: ${e.message}`]);
  }
}

$('form').addEventListener('submit', check);
$('example').addEventListener('click', loadExample);
$('signin').addEventListener('click', startSignIn);
for (const r of document.querySelectorAll('input[name=keysource]')) r.addEventListener('change', syncKeySource);
for (const r of document.querySelectorAll('input[name=kind]')) r.addEventListener('change', syncKind);
$('redirect-uri').textContent = redirectUri();
prefill();
syncKeySource();
syncKind();
$('verify').disabled = false;
$('signin').disabled = false;
$('status').textContent = '';
document.body.dataset.ready = 'true';
afterSignIn();
