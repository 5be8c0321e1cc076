// The www/ demo page end to end in Chromium: a real token from oidc-provider pasted with its
// JWK Set, then checked through discovery, then a failing nonce; screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getIdToken, startProvider } from '../support/op.mjs';
import { DIST, ROOT } from '../js/helpers.mjs';
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

test('the page loads nothing from outside (no external fonts, scripts or CDNs)', async () => {
  const html = fs.readFileSync(path.join(ROOT, 'www/index.html'), 'utf8') + fs.readFileSync(path.join(ROOT, 'www/style.css'), 'utf8')
    + fs.readFileSync(path.join(ROOT, 'www/app.js'), 'utf8');
  assert.doesNotMatch(html, /https?:\/\/(?!op\.example\.com|server\.example\.com)[a-z0-9.-]+\//i);
  assert.doesNotMatch(html, /@import|@font-face/);
});
