// The demo page: collects the inputs, asks oidc-edge for the verdict, and shows it check by
// check. Every decision is the verifier's: the per-check list is derived from the single
// error it returns (the failing check is the error's; checks before it passed; checks after
// it were not reached) and from the options given (a check with no input is skipped). The
// page never re-checks a claim itself.
import { JwkSet, OidcEdgeError, discover, inspect, verifyIdToken, verifyIdTokenAsync } from 'oidc-edge';

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

/**
 * The checks in the order the verifier runs them (the core's `Check::ALL`; tests/taxonomy.rs
 * keeps this list equal to it), each with its place
 * in the specs. `skip(o)` names the reason a check does not run for these options.
 */
const CHECKS = [
  { id: 'structure', step: 'JWS · step 1', what: 'Compact JWS: three strict base64url segments, JSON header, size limit', pass: 'a signed (not encrypted) token; step 1 (decryption) does not apply' },
  { id: 'header', step: 'Steps 7–8', what: 'alg in the allowed list (never none or HMAC); crit; typ', pass: (r) => `alg ${r.header?.alg}${r.header?.typ ? `, typ ${r.header.typ}` : ''}` },
  { id: 'key', step: 'Step 6', what: "Key from the issuer's set: kid, use / key_ops / alg, 2048–8192 bits", pass: (r) => (r.header?.kid ? `kid ${r.header.kid}` : 'the one usable key (no kid)') },
  { id: 'signature', step: 'Step 6', what: 'Signature over the exact header.payload', pass: 'valid' },
  { id: 'payload', step: 'JWT', what: 'Payload is a JSON object; claim types (NumericDate, strings)', pass: 'ok' },
  { id: 'iss', step: 'Step 2', what: 'iss equals the issuer exactly', pass: (r) => r.payload?.iss },
  { id: 'aud', step: 'Step 3', what: 'aud contains the client ID, and no untrusted audience', pass: (r) => JSON.stringify(r.payload?.aud) },
  { id: 'azp', step: 'Steps 4–5', what: 'azp present with several audiences, and equal to the client ID', pass: (r) => (r.payload?.azp === undefined ? 'absent (one audience)' : r.payload.azp) },
  { id: 'client', step: 'RFC 9068 2.2', what: "The access token's client (client_id) is allowed; Cognito's token_use", skip: (o) => (o.profile ?? 'id_token') === 'id_token' && 'ID token: the client is the audience', pass: (r) => r.payload?.client_id },
  { id: 'exp', step: 'Step 9', what: 'Not expired (exp, with the clock tolerance)', pass: (r) => when(r.payload?.exp, r.now) },
  { id: 'nbf', step: 'RFC 7519 4.1.5', what: 'Not before (nbf)', pass: (r) => (r.payload?.nbf === undefined ? 'absent' : when(r.payload.nbf, r.now)) },
  { id: 'iat', step: 'Step 10', what: 'Issued at (iat) not in the future', pass: (r) => when(r.payload?.iat, r.now) },
  { id: 'nonce', step: 'Step 11', what: 'nonce equals the one sent', skip: (o) => !o.nonce && 'no nonce given', pass: 'equal' },
  { id: 'auth_time', step: 'Step 13', what: 'auth_time within max_age', skip: (o) => o.maxAge === undefined && 'no max_age given', pass: (r) => when(r.payload?.auth_time, r.now) },
  { id: 'acr', step: 'Step 12', what: 'acr among the requested values', skip: () => 'no acr values requested' },
  { id: 'hashes', step: '3.2.2.9 / 3.3.2.11', what: 'at_hash / c_hash against the access token / code', skip: () => 'no access token or code given' },
  { id: 'required', step: 'Core section 2', what: 'Required claims present (sub)', pass: (r) => `sub ${r.payload?.sub}` },
];

/** The check a verifier error belongs to. */
function failedCheck(err) {
  const { kind, code, claim } = err;
  switch (kind) {
    case 'token_too_large': return 'structure';
    case 'malformed':
      if (code === 'ERR_JWT_INVALID') return 'payload';
      return claim ? 'header' : 'structure';
    case 'alg_not_allowed': case 'unsupported_crit': case 'invalid_typ': return 'header';
    case 'key_not_found': case 'key_ambiguous': case 'key_unusable': case 'key_too_weak':
    case 'jwks_invalid': case 'jwks_timeout': case 'jwks_unavailable': return 'key';
    case 'bad_signature': return 'signature';
    case 'claim_invalid': return claim === 'sub' ? 'required' : 'payload';
    case 'iss_mismatch': return 'iss';
    case 'aud_mismatch': return claim === 'client_id' ? 'client' : 'aud';
    case 'aud_untrusted': return 'aud';
    case 'azp_missing': case 'azp_mismatch': return 'azp';
    case 'expired': return 'exp';
    case 'not_yet_valid': return 'nbf';
    case 'iat_in_future': case 'too_old': return 'iat';
    case 'nonce_missing': case 'nonce_mismatch': return 'nonce';
    case 'auth_time_missing': case 'auth_time_too_old': return 'auth_time';
    case 'acr_not_allowed': return 'acr';
    case 'at_hash_mismatch': case 'c_hash_mismatch': return 'hashes';
    case 'token_use_mismatch': return 'client';
    case 'claim_missing':
      return { iss: 'iss', aud: 'aud', client_id: 'client', token_use: 'client', exp: 'exp', iat: 'iat', at_hash: 'hashes', c_hash: 'hashes' }[claim] ?? 'required';
    default: return 'structure';
  }
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

function readOptions() {
  const o = {};
  const issuer = $('issuer').value.trim();
  const client = $('client').value.trim();
  const nonce = $('nonce').value.trim();
  const maxAge = $('maxage').value.trim();
  const tolerance = $('tolerance').value.trim();
  const at = $('at').value;
  if (issuer) o.issuer = issuer;
  if (client) o.clientId = client;
  if (nonce) o.nonce = nonce;
  if (maxAge) o.maxAge = Number(maxAge);
  if (tolerance) o.clockTolerance = Number(tolerance);
  if (at) o.currentDate = new Date(`${at}Z`);
  return o;
}

function renderChecks(outcome, options) {
  const list = $('checks');
  list.replaceChildren();
  const failed = outcome.error ? failedCheck(outcome.error) : undefined;
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
      detail = `${e.kind} · ${e.code}${e.claim ? ` · claim ${e.claim}` : ''} — ${e.message}`;
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

function renderVerdict(outcome) {
  const v = $('verdict');
  v.replaceChildren();
  if (outcome.inputError) {
    v.className = 'verdict input';
    v.dataset.verdict = 'input';
    v.append(el('strong', {}, 'Cannot check: the input is incomplete'), outcome.inputError);
    return;
  }
  if (!outcome.error) {
    v.className = 'verdict ok';
    v.dataset.verdict = 'valid';
    v.append(el('strong', {}, 'Valid ID token'), `Every check passed for ${outcome.payload?.sub ? `sub ${outcome.payload.sub}` : 'this token'}.`);
    return;
  }
  const e = outcome.error;
  v.className = 'verdict bad';
  v.dataset.verdict = 'rejected';
  v.dataset.kind = e.kind;
  v.append(el('strong', {}, `Rejected: ${e.message}`),
    el('div', { class: 'codes' }, `kind ${e.kind} · code ${e.code}${e.claim ? ` · claim ${e.claim}` : ''}`));
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
    if (!token) throw new TypeError('paste an ID token');
    if (!options.issuer) throw new TypeError('give the issuer');
    if (!options.clientId) throw new TypeError('give the client ID');
    let result;
    if (document.querySelector('input[name=keysource]:checked').value === 'discovery') {
      const op = await discover(options.issuer);
      result = await verifyIdTokenAsync(token, op, options);
    } else {
      let jwks;
      try { jwks = JSON.parse($('jwks').value); } catch { throw new TypeError('the JWK Set is not valid JSON'); }
      if (jwks === null || typeof jwks !== 'object') throw new TypeError('the JWK Set must be a JSON object');
      result = verifyIdToken(token, new JwkSet(jwks), options);
    }
    outcome.header = result.protectedHeader;
    outcome.payload = result.payload;
    outcome.trusted = true;
  } catch (e) {
    if (e instanceof OidcEdgeError) outcome.error = e;
    else if (e instanceof TypeError) outcome.inputError = e.message;
    else outcome.inputError = String(e?.message ?? e);
  }
  renderVerdict(outcome);
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

function loadExample() {
  $('token').value = EXAMPLE.token;
  $('jwks').value = JSON.stringify(EXAMPLE.jwks, null, 1);
  $('issuer').value = EXAMPLE.issuer;
  $('client').value = EXAMPLE.client;
  $('nonce').value = EXAMPLE.nonce;
  $('maxage').value = '';
  $('at').value = EXAMPLE.at;
  document.querySelector('input[name=keysource][value=jwks]').checked = true;
  syncKeySource();
}

$('form').addEventListener('submit', check);
$('example').addEventListener('click', loadExample);
for (const r of document.querySelectorAll('input[name=keysource]')) r.addEventListener('change', syncKeySource);
syncKeySource();
$('verify').disabled = false;
$('status').textContent = '';
document.body.dataset.ready = 'true';
