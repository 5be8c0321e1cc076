// The demo harness (scripts/demo/main.mjs) as a user runs it: it starts, prints its URLs and
// commands, answers a token request through the worker (wrangler dev), and the demo page's
// worker panel works in chromium (screenshot: artifacts/demo-panel.png). Its control server
// answers only its own page (Host, Origin) and serves nothing outside www/ and pkg/. Ctrl-C
// (SIGINT) stops everything it started.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import http from 'node:http';
import { ROOT, BUILD } from '../support/harness.mjs';
import { guard, staticFile } from '../../scripts/demo/control.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
let demo, ready, out = '', err = '';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  demo = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo', 'main.mjs'), '--worker-build', BUILD, '--worker-port', '0', '--control-port', '0'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout.on('data', (c) => (out += c));
  demo.stderr.on('data', (c) => (err += c));
  const deadline = Date.now() + 240_000;
  while (!out.includes('DEMO_READY ')) {
    if (demo.exitCode !== null) throw new Error(`demo exited early (${demo.exitCode}):\n${err}`);
    if (Date.now() > deadline) throw new Error(`demo not ready in 240 s:\n${err}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 100));
  ready = JSON.parse(out.split('\n').find((l) => l.startsWith('DEMO_READY ')).slice('DEMO_READY '.length));
});

after(async () => {
  if (demo && demo.exitCode === null) {
    try { process.kill(-demo.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (ready?.wranglerPid && alive(ready.wranglerPid)) {
    try { process.kill(-ready.wranglerPid, 'SIGKILL'); } catch { /* gone */ }
  }
});

test('the demo prints its URLs and ready-to-paste commands', () => {
  for (const s of [
    `page (worker panel at the bottom): ${ready.control}/www/`,
    `worker (wrangler dev, workerd):    ${ready.worker}`,
    `${ready.worker}/oauth2/token`,
    `${ready.worker}/verify`,
    `curl -s -X POST ${ready.control}/demo/primary/down`,
    `curl -s -X POST ${ready.control}/demo/primary/up`,
    `sign in on the page (primary region, public client demo-spa, PKCE): ${ready.signIn}`,
  ]) assert.ok(out.includes(s), `missing: ${s}\n${out}`);
  const link = new URL(ready.signIn);
  assert.equal(`${link.origin}${link.pathname}`, `${ready.control}/www/`);
  assert.equal(link.searchParams.get('issuer'), ready.regions.primary.issuer);
  assert.equal(link.searchParams.get('client_id'), 'demo-spa');
});

/** A headless chromium with a fresh profile; `use(page, errors)` runs with it. */
async function withPage(use) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/favicon|status of 404/.test(m.text())) errors.push(m.text()); });
    await use(page, errors);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("Sign in through the demo's printed link: code flow with PKCE at the primary, the ID token checked (screenshot artifacts/demo-signin.png)", async () => {
  await withPage(async (page, errors) => {
    await page.goto(ready.signIn);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    assert.equal(await page.inputValue('#issuer'), ready.regions.primary.issuer);
    assert.equal(await page.inputValue('#client'), 'demo-spa');
    const sent = [];
    page.on('request', (r) => { if (r.url().startsWith(ready.regions.primary.issuer)) sent.push(new URL(r.url()).pathname); });
    await page.click('#signin');
    await page.waitForSelector('body[data-signin]', { timeout: 30_000 });
    await page.waitForSelector('body[data-checked]', { timeout: 30_000 });
    assert.equal(await page.getAttribute('body', 'data-signin'), 'done', await page.textContent('#signin-steps'));
    // authorize (to the provider), back here with code and state, then the token request.
    assert.ok(sent.some((p) => p.endsWith('/auth')), sent.join(' '));
    assert.ok(sent.some((p) => p.endsWith('/token')), sent.join(' '));
    assert.equal(page.url(), `${ready.control}/www/`, 'the code is gone from the address bar');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'valid', await page.textContent('#verdict'));
    const states = await page.$$eval('#checks li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.check, li.dataset.state])));
    assert.equal(states.nonce, 'pass');
    assert.deepEqual(Object.entries(states).filter(([, s]) => s === 'fail' || s === 'not-reached'), []);
    assert.match(await page.textContent('#claims'), /user-1234/);
    assert.match(await page.textContent('#signin-steps'), /state matched/);
    fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'artifacts', 'demo-signin.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test("the demo page's worker panel in chromium (screenshot artifacts/demo-panel.png)", async () => {
  await withPage(async (page, errors) => {
    await page.goto(`${ready.control}/www/`);
    const panel = page.locator('#worker-panel');
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    const expectText = (sel, re) => page.waitForFunction(
      ([s, src]) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''), [sel, re.source], { timeout: 30_000 });

    // Primary up: the primary answers; both verifications pass.
    await page.click('#wp-get');
    await expectText('#wp-upstream', /^primary$/);
    await page.click('#wp-verify-local');
    await page.locator('#wp-local.ok').waitFor({ timeout: 30_000 });
    await page.click('#wp-verify-worker');
    await page.locator('#wp-remote.ok').waitFor({ timeout: 30_000 });
    assert.match(await page.textContent('#wp-remote'), new RegExp(`client ${ready.client_id} · region primary`));

    // Primary down: the secondary answers; the token still verifies in the page and at the worker.
    await page.click('#wp-toggle');
    await expectText('#wp-primary-state', /DOWN/);
    await page.click('#wp-get');
    await expectText('#wp-upstream', /^secondary$/);
    await page.click('#wp-verify-local');
    await page.locator('#wp-local.ok').waitFor({ timeout: 30_000 });
    assert.match(await page.textContent('#wp-local'), /iss http:\/\/127\.0\.0\.1:\d+\/secondary/);
    await page.click('#wp-verify-worker');
    await page.locator('#wp-remote.ok').waitFor({ timeout: 30_000 });
    assert.match(await page.textContent('#wp-remote'), new RegExp(`client ${ready.client_id} · region secondary`));

    fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ROOT, 'artifacts', 'demo-panel.png'), fullPage: true });
    await panel.screenshot({ path: path.join(ROOT, 'artifacts', 'demo-panel-only.png') });

    // Back up, for the next test.
    await page.click('#wp-toggle');
    await expectText('#wp-primary-state', /up/);
    assert.deepEqual(errors, []);
  });
});

/** A raw GET/POST to the control server with chosen Host and Origin headers. */
function raw(url, { method = 'GET', host, origin, path: p }) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = { host: host ?? u.host };
    if (origin) headers.origin = origin;
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the control server answers only its own page: Host (DNS rebinding) and Origin (CSRF)', async () => {
  const port = new URL(ready.control).port;
  assert.equal((await raw(ready.control, { path: '/demo/info' })).status, 200);
  assert.equal((await raw(ready.control, { path: '/demo/info', host: `localhost:${port}` })).status, 200);
  const rebinding = await raw(ready.control, { path: '/demo/info', host: `evil.example:${port}` });
  assert.equal(rebinding.status, 403);
  assert.ok(!rebinding.body.includes(ready.client_id));
  for (const p of ['/demo/primary/down', '/demo/token']) {
    const csrf = await raw(ready.control, { method: 'POST', path: p, origin: 'http://evil.example' });
    assert.equal(csrf.status, 403, p);
  }
  const info = await (await fetch(`${ready.control}/demo/info`)).json();
  assert.equal(info.primaryDown, false, 'the refused POST changed nothing');
  assert.equal((await raw(ready.control, { method: 'POST', path: '/demo/primary/up', origin: ready.control })).status, 200);
  // The guard itself, for the cases a live server cannot be sent.
  assert.equal(guard({ headers: { host: '127.0.0.1:1' } }, 1), null);
  assert.match(guard({ headers: {} }, 1), /Host/);
  assert.match(guard({ headers: { host: '127.0.0.1:1', origin: 'null' } }, 1), /Origin/);
});

test("the control server's static files cannot escape www/ and pkg/", async () => {
  for (const p of [
    '/www/../package.json', '/www/..%2f..%2fetc%2fpasswd', '/www/%2e%2e/wrangler.toml', '/www/..%5c..%5cwrangler.toml',
    '/www-evil/x', '/www/%00', '/www/%E0%A4%A', '/pkg/../.dev.vars', '/scripts/demo/main.mjs',
  ]) {
    const r = await raw(ready.control, { path: p });
    assert.equal(r.status, 404, `${p}: ${r.body.slice(0, 80)}`);
  }
  assert.equal(staticFile('/www/../package.json'), null);
  assert.equal(staticFile('/www/%2e%2e/package.json'), null);
  assert.equal(staticFile('/www/'), path.join(ROOT, 'www', 'index.html'));
  assert.equal((await raw(ready.control, { path: '/www/index.html' })).status, 200);
});

test('the printed commands work: token through the worker, verify, primary down, token from the secondary, verify', async () => {
  const lines = out.split('\n');
  const tokenCmd = lines.find((l) => l.startsWith('TOKEN=$('));
  const verifyCmd = lines.find((l) => l.startsWith('curl -s -X POST -H "Authorization: Bearer $TOKEN"'));
  const run = (script) => execFileSync('bash', ['-c', script], { encoding: 'utf8' });
  let v = JSON.parse(run(`${tokenCmd}\n${verifyCmd}`));
  assert.equal(v.region, 'primary');
  assert.equal(v.client, ready.client_id);
  run(lines.find((l) => l.includes('/demo/primary/down')));
  const head = run(lines.find((l) => l.startsWith('curl -si -u')));
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.match(head, /x-oidc-edge-upstream: secondary/i);
  v = JSON.parse(run(`${tokenCmd}\n${verifyCmd}`));
  assert.equal(v.region, 'secondary');
  assert.equal(v.client, ready.client_id);
  const origin = JSON.parse(run(`${tokenCmd}\n${lines.find((l) => l.includes('/api/hello'))}`));
  assert.equal(origin.received['x-auth-client'], ready.client_id);
  assert.equal(origin.received['x-auth-region'], 'secondary');
  assert.deepEqual(origin.proof, { ok: true });
  run(lines.find((l) => l.includes('/demo/primary/up')));
  const info = await (await fetch(`${ready.control}/demo/info`)).json();
  assert.equal(info.primaryDown, false);
});

test('SIGINT stops everything the demo started', async () => {
  const exited = new Promise((r) => demo.once('exit', (code, sig) => r({ code, sig })));
  process.kill(demo.pid, 'SIGINT');
  const { code } = await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`no exit in 30 s:\n${err}`)), 30_000))]);
  assert.equal(code, 0, err);
  assert.ok(!alive(ready.wranglerPid), 'wrangler dev still running');
  // Nothing left in wrangler's process group (workerd) either.
  let groupAlive = true;
  for (let i = 0; i < 50 && groupAlive; i++) {
    try { process.kill(-ready.wranglerPid, 0); await new Promise((r) => setTimeout(r, 100)); } catch { groupAlive = false; }
  }
  assert.equal(groupAlive, false, 'a process of the worker group survived');
  for (const url of [ready.worker, ready.control]) {
    await assert.rejects(fetch(`${url}/healthz`), `${url} still answers`);
  }
  assert.match(err, /\[demo\] stopped/);
});
