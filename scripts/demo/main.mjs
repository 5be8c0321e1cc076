#!/usr/bin/env node
// The local development harness behind scripts/demo.sh. It starts, all on 127.0.0.1:
//   - the two regions of tests/support/harness.mjs (real OpenID providers with their own issuers
//     and keys, each behind a fault proxy so a region can be switched off); the primary also has
//     the public client `demo-spa` whose redirect URI is the page, for the page's "Sign in";
//   - an origin for the worker's protected route (echoes the identity headers it receives and
//     whether X-Auth-Signature checks out);
//   - the worker in workerd through `wrangler dev`, with a generated config and demo secrets in
//     a temporary directory, and its local KV seeded with one demo client by the provisioning
//     code (scripts/lib/provision.mjs, written with `wrangler kv bulk put --local`);
//   - its own control server (./control.mjs guards it): serves www/ and pkg/, and the demo
//     controls (a token through the worker with the demo client, switch the primary off/on,
//     verify at the worker).
// The demo secret and the switches live here only, never in the worker.
// Ctrl-C (SIGINT) or SIGTERM stops everything it started.
//
//   node scripts/demo/main.mjs [--worker-port N] [--control-port N] [--worker-build DIR]
//   (--worker-build: a scripts/build-worker.sh output directory; default worker/build)
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  AUDIENCE, BUILD, COMPATIBILITY_DATE, ROOT, SCOPES as SCOPE, basic, decodeJwt, newSecrets, provision, startOrigin,
  startRegions, tmpdir, workerVars,
} from '../../tests/support/harness.mjs';
import { guard, serveStatic } from './control.mjs';

function args(argv) {
  const out = { 'worker-port': '8787', 'control-port': '8790' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a.startsWith('--') && argv[i + 1] !== undefined) out[a.slice(2)] = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

const opts = args(process.argv.slice(2));
/** The public client (no secret, PKCE) the page's "Sign in" uses on the primary provider. */
const SPA_CLIENT = 'demo-spa';
const say = (s = '') => process.stdout.write(s + '\n');
const log = (s) => process.stderr.write(`[demo] ${s}\n`);

/** The port if free on 127.0.0.1, else any free one. */
function freePort(preferred) {
  const tryPort = (p) =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen(p, '127.0.0.1', () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    });
  return tryPort(Number(preferred)).then((p) => p ?? tryPort(0));
}

const started = { servers: [], child: null, tmp: null, stopping: false };

async function stop(code = 0) {
  if (started.stopping) return;
  started.stopping = true;
  log('stopping');
  const child = started.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(t);
    // wrangler's own children (workerd) share its process group: make sure none is left.
    for (let i = 0; i < 50; i++) {
      try { process.kill(-child.pid, i === 0 ? 'SIGTERM' : 'SIGKILL'); } catch { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (const close of started.servers.reverse()) await close().catch(() => {});
  if (started.tmp) fs.rmSync(started.tmp, { recursive: true, force: true });
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function toml(s) {
  return JSON.stringify(String(s));
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

async function readBody(req) {
  let b = '';
  for await (const c of req) b += c;
  if (!b) return {};
  try { return JSON.parse(b); } catch { return {}; }
}

async function main() {
  started.tmp = tmpdir('oidc-edge-demo-');
  const tmp = started.tmp;
  const build = path.resolve(opts['worker-build'] ?? BUILD);
  if (!fs.existsSync(path.join(build, 'index.js'))) {
    throw new Error(`${build}/index.js is missing: run scripts/demo.sh (it builds the worker), or pass --worker-build`);
  }

  // 1. The control server's port first: the page's address is the redirect URI of the public
  //    client that the page's "Sign in" uses, registered on the primary provider below.
  let handle = (req, res) => json(res, 503, { error: 'starting' });
  const control = http.createServer((req, res) => handle(req, res));
  const controlPort = await freePort(opts['control-port']);
  await new Promise((r) => control.listen(controlPort, '127.0.0.1', r));
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  started.servers.push(() => new Promise((r) => { control.closeAllConnections(); control.close(() => r()); }));
  const pageUrl = `${controlUrl}/www/`;

  // 2. Two regions, each behind a fault proxy (the switch for "primary down"). The primary also
  //    knows the page as a public client (authorization code with PKCE, no secret).
  log('starting the providers');
  const regions = await startRegions({
    primary: {
      extraClients: [{
        client_id: SPA_CLIENT, redirect_uris: [pageUrl], response_types: ['code'], grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'none', scope: 'openid profile email', id_token_signed_response_alg: 'RS256',
      }],
    },
  });
  started.servers.push(() => regions.close());
  const { primary, secondary } = regions;
  const pxPrimary = primary.px;

  // 3. Demo secrets (only in the temporary directory), and the origin behind the protected
  //    route, which checks the worker's proof with the shared key.
  const secrets = newSecrets();
  fs.writeFileSync(path.join(tmp, '.dev.vars'), Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  const origin = await startOrigin({ keys: [Buffer.from(secrets.ORIGIN_SIGNING_KEY, 'base64url')] });
  started.servers.push(() => origin.close());
  const originUrl = origin.url;

  // 4. The demo client, made by the provisioning code, written to the worker's local KV.
  const { clients: [created], entries } = await provision(regions, secrets);
  const demo = { id: created.client_id, secret: created.client_secret };
  const kvFile = path.join(tmp, 'kv.json');
  fs.writeFileSync(kvFile, JSON.stringify(entries), { mode: 0o600 });

  const workerPort = await freePort(opts['worker-port']);
  const vars = workerVars(regions, { JWKS_COOLDOWN_S: '30', PROTECT_ORIGIN: originUrl, PROTECT_PREFIX: '/api/', REQUIRED_SCOPES: 'api:read' });
  const config = path.join(tmp, 'wrangler.toml');
  fs.writeFileSync(config, [
    '# Generated by scripts/demo/main.mjs for this run only.',
    'name = "oidc-edge-demo"',
    `main = ${toml(path.join(build, 'index.js'))}`,
    `compatibility_date = ${toml(COMPATIBILITY_DATE)}`,
    '',
    '[vars]',
    ...Object.entries(vars).map(([k, v]) => `${k} = ${toml(v)}`),
    '',
    '[[kv_namespaces]]',
    'binding = "CLIENTS"',
    'id = "oidc-edge-demo-clients"',
    '',
  ].join('\n'));
  const state = path.join(tmp, 'state');
  const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
  const wenv = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' };
  log('seeding the local KV with the demo client');
  execFileSync(wrangler, ['kv', 'bulk', 'put', kvFile, '--binding', 'CLIENTS', '--local', '--persist-to', state, '--config', config],
    { cwd: tmp, env: wenv, stdio: ['ignore', 'ignore', 'inherit'] });

  // 5. The worker in workerd, in its own process group (so Ctrl-C here stops all of it).
  log(`starting the worker (wrangler dev on 127.0.0.1:${workerPort})`);
  const child = spawn(wrangler, [
    'dev', '--config', config, '--ip', '127.0.0.1', '--port', String(workerPort), '--persist-to', state,
    '--show-interactive-dev-session=false', '--log-level', 'warn',
  ], { cwd: tmp, env: wenv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.child = child;
  const workerLog = fs.createWriteStream(path.join(tmp, 'wrangler.log'));
  child.stdout.pipe(workerLog);
  child.stderr.pipe(workerLog);
  child.once('exit', (code, sig) => {
    if (!started.stopping) {
      log(`wrangler dev exited (${code ?? sig}); its log:\n${fs.existsSync(path.join(tmp, 'wrangler.log')) ? fs.readFileSync(path.join(tmp, 'wrangler.log'), 'utf8').slice(-4000) : ''}`);
      stop(1);
    }
  });
  const worker = `http://127.0.0.1:${workerPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const r = await fetch(`${worker}/healthz`);
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('the worker did not start within 180 s');
    if (started.stopping) return;
    await new Promise((r) => setTimeout(r, 300));
  }

  // 6. The control server's routes: the page, the package, the demo controls.
  const demoAuth = basic(demo.id, demo.secret);
  let primaryDown = false;
  const signIn = `${pageUrl}?issuer=${encodeURIComponent(primary.issuer)}&client_id=${SPA_CLIENT}`;
  const info = () => ({
    worker,
    control: controlUrl,
    page: pageUrl,
    signIn,
    primaryDown,
    client_id: demo.id,
    audience: AUDIENCE,
    regions: {
      primary: { issuer: primary.issuer, proxy: primary.px.url },
      secondary: { issuer: secondary.issuer, proxy: secondary.px.url },
    },
  });
  const setPrimary = async (down) => {
    await pxPrimary.setMode(down ? 'refuse' : 'pass');
    primaryDown = down;
    return { primary: down ? 'down' : 'up' };
  };
  handle = async (req, res) => {
    try {
      // Only this page may drive the controls: no other Host (DNS rebinding), no other Origin (CSRF).
      const refused = guard(req, controlPort);
      if (refused) return json(res, 403, { error: 'forbidden', error_description: refused });
      const url = new URL(req.url, 'http://x');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /' || route === 'GET /www') {
        res.writeHead(302, { location: '/www/' });
        return res.end();
      }
      if (req.method === 'GET' && serveStatic(res, url.pathname)) return;
      switch (route) {
        case 'GET /demo/info':
          return json(res, 200, info());
        case 'POST /demo/token': {
          const r = await fetch(`${worker}/oauth2/token`, {
            method: 'POST',
            headers: { authorization: demoAuth, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }),
          });
          const body = await r.json();
          const out = { status: r.status, upstream: r.headers.get('x-oidc-edge-upstream'), ...body };
          if (body.access_token) {
            const d = decodeJwt(body.access_token);
            out.header = d.header;
            out.claims = d.claims;
          }
          return json(res, 200, out);
        }
        case 'POST /demo/primary': {
          const b = await readBody(req);
          return json(res, 200, await setPrimary(Boolean(b.down)));
        }
        case 'POST /demo/primary/down':
          return json(res, 200, await setPrimary(true));
        case 'POST /demo/primary/up':
          return json(res, 200, await setPrimary(false));
        case 'POST /demo/verify': {
          const b = await readBody(req);
          const r = await fetch(`${worker}/verify`, {
            method: 'POST',
            headers: { authorization: `Bearer ${b.token ?? ''}` },
          });
          return json(res, 200, { status: r.status, body: await r.json().catch(() => null) });
        }
        default: {
          const m = /^\/demo\/jwks\/(primary|secondary)\.json$/.exec(url.pathname);
          if (req.method === 'GET' && m) {
            const r = await fetch(`${worker}/.well-known/jwks/${m[1]}.json`);
            res.writeHead(r.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
            return res.end(await r.text());
          }
          return json(res, 404, { error: 'not_found' });
        }
      }
    } catch (e) {
      return json(res, 502, { error: 'demo_error', error_description: String(e?.message ?? e) });
    }
  };

  // 7. What to do now.
  const tokenCmd = `curl -s -u '${demo.id}:${demo.secret}' -d grant_type=client_credentials -d scope='${SCOPE}' ${worker}/oauth2/token`;
  const pickToken = `node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).access_token'`;
  say('');
  say('oidc-edge demo: everything runs on 127.0.0.1 (Ctrl-C stops all of it)');
  say(`  page (worker panel at the bottom): ${pageUrl}`);
  say(`  sign in on the page (primary region, public client ${SPA_CLIENT}, PKCE): ${signIn}`);
  say(`  worker (wrangler dev, workerd):    ${worker}`);
  say(`  primary region:   ${primary.issuer}  (switchable proxy ${pxPrimary.url})`);
  say(`  secondary region: ${secondary.issuer}  (switchable proxy ${secondary.px.url})`);
  say(`  demo client (local only): ${demo.id} / ${demo.secret}`);
  say('');
  say('# 1. get a token through the worker (X-Oidc-Edge-Upstream: which region answered)');
  say(`curl -si -u '${demo.id}:${demo.secret}' -d grant_type=client_credentials -d scope='${SCOPE}' ${worker}/oauth2/token`);
  say('# 2. verify it at the worker');
  say(`TOKEN=$(${tokenCmd} | ${pickToken})`);
  say(`curl -s -X POST -H "Authorization: Bearer $TOKEN" ${worker}/verify`);
  say('# 3. stop the primary region');
  say(`curl -s -X POST ${controlUrl}/demo/primary/down`);
  say('# 4. get a token again (now from the secondary) and verify it');
  say(`curl -si -u '${demo.id}:${demo.secret}' -d grant_type=client_credentials -d scope='${SCOPE}' ${worker}/oauth2/token`);
  say(`TOKEN=$(${tokenCmd} | ${pickToken})`);
  say(`curl -s -X POST -H "Authorization: Bearer $TOKEN" ${worker}/verify`);
  say('# 5. the protected route: the origin receives X-Auth-Subject / X-Auth-Client / X-Auth-Region, signed (proof ok)');
  say(`curl -s -H "Authorization: Bearer $TOKEN" -H "X-Auth-Client: spoofed" ${worker}/api/hello`);
  say('# 6. each issuer\'s own keys, mirrored by the worker');
  say(`curl -s ${worker}/.well-known/jwks/primary.json`);
  say('# 7. bring the primary back');
  say(`curl -s -X POST ${controlUrl}/demo/primary/up`);
  say('');
  say(`DEMO_READY ${JSON.stringify({ ...info(), client_secret: demo.secret, origin: originUrl, wranglerPid: child.pid })}`);
}

main().catch((e) => {
  log(`failed: ${e?.stack ?? e}`);
  stop(1);
});
