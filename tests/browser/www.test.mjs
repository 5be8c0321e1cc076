// The www/ demo page end to end in Chromium: a real token from oidc-provider pasted with its
// JWK Set, then checked through discovery, then a failing nonce; an access token; "Sign in"
// (authorization code flow with PKCE) against a real provider; screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateRsaJwk, getClientCredentialsToken, getIdToken, publicJwk, startProvider } from '../support/op.mjs';
import { DIST, ROOT, signJwt } from '../js/helpers.mjs';
import { openBrowser, realErrors, serveStatic } from './lib.mjs';

const ARTIFACTS = path.join(ROOT, 'artifacts');
let op;
let server;
let browser;

before(async () => {
  if (!fs.existsSync(path.join(DIST, 'oidc_edge_wasm_bg.wasm'))) throw new Error('pkg/dist/ is not built: run scripts/build-pkg.sh');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  op = await startProvider({ name: 'www', issuerPath: '/www' });
  server = await serveStatic(ROOT); // www/ with pkg/ beside it, as the page expects
  browser = await openBrowser({ width: 1100, height: 900 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await op?.close();
});

async function load(page) {
  await page.goto(`${server.url}/www/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
}

async function submit(page) {
  const before_ = await page.evaluate(() => document.body.dataset.checked ?? '');
  await page.click('#verify');
  await page.waitForFunction((b) => (document.body.dataset.checked ?? '') !== b, before_, { timeout: 30000 });
}

async function checkStates(page) {
  return page.$$eval('#checks li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.check, li.dataset.state])));
}

test('a pasted real ID token and JWK Set verify; every check passes or is skipped for a reason', async () => {
  const { page, messages } = browser;
  const { idToken } = await getIdToken(op, { nonce: 'n-www-1', maxAge: 900 });
  await load(page);
  await page.fill('#token', idToken);
  await page.fill('#jwks', JSON.stringify(op.jwks(), null, 1));
  await page.fill('#issuer', op.issuer);
  await page.fill('#client', op.clients.authorizationCode.clientId);
  await page.fill('#nonce', 'n-www-1');
  await page.fill('#maxage', '900');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
  const states = await checkStates(page);
  assert.deepEqual(Object.values(states).filter((s) => s === 'fail' || s === 'not-reached'), []);
  assert.equal(states.nonce, 'pass');
  assert.equal(states.auth_time, 'pass');
  assert.equal(states.acr, 'skipped');
  assert.equal(states.signature, 'pass');
  const claims = await page.textContent('#claims');
  assert.match(claims, /user-1234/);
  assert.match(claims, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/, 'times are shown as dates');
  assert.equal(await page.textContent('#claims-trust'), 'verified');
  await page.screenshot({ path: path.join(ARTIFACTS, 'www.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'www-phone.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px)`);
  await page.setViewportSize({ width: 1100, height: 900 });
  assert.deepEqual(realErrors(messages), []);
});

test('discovery from the issuer; a wrong nonce fails at step 11 with kind and code, later checks not reached', async () => {
  const { page } = browser;
  const { idToken } = await getIdToken(op, { nonce: 'n-www-2' });
  await load(page);
  await page.fill('#token', idToken);
  await page.check('input[name=keysource][value=discovery]');
  assert.equal(await page.isVisible('#jwks'), false);
  await page.fill('#issuer', op.issuer);
  await page.fill('#client', op.clients.authorizationCode.clientId);
  await page.fill('#nonce', 'n-www-2');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));

  await page.fill('#nonce', 'not-the-nonce');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'rejected');
  assert.equal(await page.getAttribute('#verdict', 'data-kind'), 'nonce_mismatch');
  const text = await page.textContent('#verdict');
  assert.match(text, /nonce_mismatch/);
  assert.match(text, /ERR_JWT_CLAIM_VALIDATION_FAILED/);
  const states = await checkStates(page);
  assert.equal(states.nonce, 'fail');
  assert.equal(states.exp, 'pass');
  assert.equal(states.iss, 'pass');
  assert.equal(states.auth_time, 'not-reached');
  assert.equal(states.required, 'not-reached');
  assert.match(await page.textContent('li[data-check="nonce"]'), /Step 11/);
  assert.equal(await page.textContent('#claims-trust'), 'not verified');
  await page.screenshot({ path: path.join(ARTIFACTS, 'www-rejected.png'), fullPage: true });
});

test('the built-in example (OIDC Core 3.1.3.3) verifies, and fails as expired without "check at"', async () => {
  const { page } = browser;
  await load(page);
  await page.click('#example');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
  await page.fill('#at', '');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-kind'), 'expired');
  assert.equal((await checkStates(page)).exp, 'fail');
  // missing input is an input problem, not a token verdict
  await page.fill('#client', '');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'input');
});

test('an access token: profile jwt with an audience and required scopes; the claim that named the client and the scopes found', async () => {
  const { page } = browser;
  const token = (await getClientCredentialsToken(op, { scope: 'api:read api:write' })).access_token;
  await load(page);
  await page.check('input[name=kind][value=access]');
  assert.equal(await page.isVisible('#audience'), true);
  assert.equal(await page.isVisible('#nonce'), false);
  await page.selectOption('#profile', 'jwt');
  await page.fill('#token', token);
  await page.fill('#jwks', JSON.stringify(op.jwks()));
  await page.fill('#issuer', op.issuer);
  await page.fill('#audience', op.audience);
  await page.fill('#scopes', 'api:read');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
  assert.match(await page.textContent('#verdict'), /Valid access token/);
  assert.equal(await page.getAttribute('#access-client', 'data-claim'), 'client_id');
  assert.match(await page.textContent('#access-client'), new RegExp(op.clients.clientCredentials.clientId));
  assert.equal(await page.textContent('#access-scopes'), 'api:read api:write');
  let states = await checkStates(page);
  assert.equal(states.scope, 'pass');
  assert.equal(states.cnf, 'pass');
  assert.equal(states.nonce, 'skipped');
  assert.equal(states.azp, 'skipped');
  await page.screenshot({ path: path.join(ARTIFACTS, 'www-access.png'), fullPage: true });

  // a scope the token lacks: 403-class failure at the last check, every other check passed
  await page.fill('#scopes', 'api:admin');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-kind'), 'insufficient_scope');
  states = await checkStates(page);
  assert.equal(states.scope, 'fail');
  assert.deepEqual(Object.entries(states).filter(([, st]) => st === 'fail').map(([id]) => id), ['scope']);
  assert.match(await page.textContent('li[data-check="scope"]'), /insufficient_scope/);

  // the wrong audience fails at aud, later checks not reached (the failing check is err.check)
  await page.fill('#audience', 'https://other.example');
  await submit(page);
  states = await checkStates(page);
  assert.equal(states.aud, 'fail');
  assert.equal(states.exp, 'not-reached');

  // an Okta-shaped token names its client in cid, with scp as a list
  const key = await generateRsaJwk({ kid: 'okta-like' });
  const now = Math.floor(Date.now() / 1000);
  const okta = signJwt({ alg: 'RS256', kid: key.kid }, { iss: 'https://okta.example/oauth2/default', aud: 'api://default', cid: '0oa-client', scp: ['orders:read'], sub: 'u', iat: now, exp: now + 600 }, key);
  await page.fill('#token', okta);
  await page.fill('#jwks', JSON.stringify({ keys: [publicJwk(key)] }));
  await page.fill('#issuer', 'https://okta.example/oauth2/default');
  await page.fill('#audience', 'api://default');
  await page.fill('#client', '0oa-client');
  await page.fill('#scopes', 'orders:read');
  await submit(page);
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
  assert.equal(await page.getAttribute('#access-client', 'data-claim'), 'cid');
  assert.equal(await page.textContent('#access-scopes'), 'orders:read');
  assert.equal((await checkStates(page)).client, 'pass');
});

test('the page loads nothing from outside (no external fonts, scripts or CDNs)', async () => {
  const html = fs.readFileSync(path.join(ROOT, 'www/index.html'), 'utf8') + fs.readFileSync(path.join(ROOT, 'www/style.css'), 'utf8')
    + fs.readFileSync(path.join(ROOT, 'www/app.js'), 'utf8');
  assert.doesNotMatch(html, /https?:\/\/(?!op\.example\.com|server\.example\.com)[a-z0-9.-]+\//i);
  assert.doesNotMatch(html, /@import|@font-face/);
});

test('Sign in: the authorization code flow with PKCE against a real provider, then the ID token of the token response checked', async () => {
  const { page } = browser;
  const redirect = `${server.url}/www/`;
  const spa = await startProvider({
    name: 'spa',
    issuerPath: '/spa',
    extraClients: [{
      client_id: 'www-spa', redirect_uris: [redirect], response_types: ['code'], grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'none', scope: 'openid profile email', id_token_signed_response_alg: 'RS256',
    }],
  });
  try {
    // a link can fill in the provider and the client (the demo's does)
    await page.goto(`${redirect}?issuer=${encodeURIComponent(spa.issuer)}&client_id=www-spa`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    assert.equal(await page.textContent('#redirect-uri'), redirect);
    assert.equal(await page.inputValue('#issuer'), spa.issuer);
    assert.equal(await page.inputValue('#client'), 'www-spa');
    const authRequests = [];
    page.on('request', (r) => { if (r.url().startsWith(`${spa.issuer}/auth`)) authRequests.push(new URL(r.url())); });
    await page.click('#signin');
    await page.waitForSelector('body[data-signin]', { timeout: 30000 });
    await page.waitForSelector('body[data-checked]', { timeout: 30000 });
    assert.equal(await page.getAttribute('body', 'data-signin'), 'done', await page.textContent('#signin-steps'));
    // the authorization request: PKCE S256, state, nonce, this page as the redirect URI
    const q = authRequests[0].searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(q.get('state') && q.get('nonce'));
    assert.equal(q.get('redirect_uri'), redirect);
    // the code is gone from the address bar, the pending request from storage
    assert.equal(page.url(), redirect);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(spa.requestCounts.token, 1);
    // the ID token verified: nonce (the one sent), at_hash against the access token, every check
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
    assert.equal(await page.inputValue('#nonce'), q.get('nonce'));
    assert.ok((await page.inputValue('#access-token')).length > 0, 'the access token of the response');
    const states = await checkStates(page);
    assert.equal(states.nonce, 'pass');
    assert.equal(states.hashes, 'pass');
    assert.deepEqual(Object.values(states).filter((s) => s === 'fail' || s === 'not-reached'), []);
    assert.match(await page.textContent('#claims'), /user-1234/);
    assert.match(await page.textContent('#signin-steps'), /state matched/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'www-signin.png'), fullPage: true });

    // a redirect back that this tab did not start (a replayed or injected code) is refused
    await page.goto(`${redirect}?code=stolen&state=whatever`);
    await page.waitForSelector('body[data-signin="failed"]', { timeout: 30000 });
    assert.match(await page.textContent('#signin-steps'), /started no sign-in/);
    assert.equal(spa.requestCounts.token, 1, 'no token request for it');
  } finally {
    await spa.close();
  }
});
