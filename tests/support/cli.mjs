#!/usr/bin/env node
// Command line front of the test providers, for humans and for non-Node test suites.
//
//   node tests/support/cli.mjs serve [--config FILE] [--primary-port P] [--secondary-port S]
//                                    [--control-port C] [--no-proxy] [--exit-with-stdin]
//   node tests/support/cli.mjs id-token  --control URL [--region R] [--nonce N] [--client-id ID] ...
//   node tests/support/cli.mjs id-token  --issuer URL --client-id ID --client-secret S [--nonce N] ...
//   node tests/support/cli.mjs cc-token  --control URL [--region R] [--scope S] [--resource URI] ...
//   node tests/support/cli.mjs cc-token  --token-endpoint URL --client-id ID --client-secret S ...
//   node tests/support/cli.mjs rotate|up|down|info|shutdown --control URL [--region R]
//
// `serve` prints exactly one JSON line on stdout (the same document as GET /control/info) once
// everything listens; all logging goes to stderr. See tests/support/README.md.

import * as http from 'node:http';
import { sendJson as sendJsonWith } from './http.mjs';
import { readFile } from 'node:fs/promises';

// oidc-provider prints notices with console.info (stdout); stdout carries only our JSON line.
console.info = (...args) => console.error(...args);

const { startProvider, getIdToken, getClientCredentialsToken, decodeJwt } = await import('./op.mjs');
const { startFaultProxy } = await import('./faults.mjs');

const LOOPBACK = '127.0.0.1';

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[(i += 1)];
      else out[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

function usage(code = 2) {
  process.stderr.write(`usage:
  cli.mjs serve [--config FILE] [--primary-port P] [--secondary-port S] [--control-port C] [--no-proxy] [--exit-with-stdin]
  cli.mjs id-token --control URL [--region primary] [--nonce N] [--client-id ID --client-secret S] [--max-age S] [--acr V] [--account ID]
  cli.mjs id-token --issuer URL --client-id ID --client-secret S [--redirect-uri U] [--nonce N] ...
  cli.mjs cc-token --control URL [--region primary] [--scope S] [--resource URI] [--client-id ID --client-secret S] [--auth basic|post]
  cli.mjs cc-token --token-endpoint URL --client-id ID --client-secret S [--scope S] [--resource URI] [--auth basic|post]
  cli.mjs rotate|up|down|info|jwks|shutdown --control URL [--region primary] [--mode refuse|503|reset|hang] [--drop-old]
`);
  process.exit(code);
}


/** The control API closes every connection after its answer (clients are one-shot). */
const sendJson = (res, status, body) => sendJsonWith(res, status, body, { connection: 'close' });

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

function describe(op, proxy) {
  return {
    name: op.name,
    issuer: op.issuer,
    port: op.port,
    discoveryUri: op.discoveryUri,
    jwksUri: op.jwksUri,
    tokenEndpoint: op.tokenEndpoint,
    authorizationEndpoint: op.authorizationEndpoint,
    kid: op.kid,
    down: op.down,
    resource: op.resource,
    audience: op.audience,
    scope: op.resourceScope,
    clients: op.clients,
    proxy: proxy
      ? {
        url: proxy.url,
        tokenEndpoint: `${proxy.url}${op.issuerPath}/token`,
        jwksUri: `${proxy.url}${op.issuerPath}/jwks`,
        control: proxy.controlUrl,
        mode: proxy.mode,
      }
      : null,
  };
}

async function serve(args) {
  let config = {};
  if (args.config) config = JSON.parse(await readFile(args.config, 'utf8'));
  const regionsCfg = config.regions ?? { primary: {}, secondary: {} };
  if (args['primary-port'] !== undefined) (regionsCfg.primary ??= {}).port = Number(args['primary-port']);
  if (args['secondary-port'] !== undefined) (regionsCfg.secondary ??= {}).port = Number(args['secondary-port']);
  const withProxy = !args['no-proxy'] && config.proxies !== false;

  const regions = new Map();
  for (const [name, rc] of Object.entries(regionsCfg)) {
    const op = await startProvider({ issuerPath: `/${name}`, quiet: false, ...rc, name });
    const proxy = withProxy
      ? await startFaultProxy({ upstream: op.origin, port: rc.proxyPort ?? 0, name, controlPort: null })
      : null;
    regions.set(name, { op, proxy });
  }

  const control = http.createServer();
  const controlPort = await new Promise((resolve, reject) => {
    control.once('error', reject);
    control.listen(Number(args['control-port'] ?? config.controlPort ?? 0), LOOPBACK, () => resolve(control.address().port));
  });
  const controlUrl = `http://${LOOPBACK}:${controlPort}/control`;

  const info = () => ({
    control: controlUrl,
    pid: process.pid,
    regions: Object.fromEntries([...regions].map(([n, { op, proxy }]) => [n, describe(op, proxy)])),
  });

  let shuttingDown = false;
  async function shutdown(code = 0) {
    if (shuttingDown) return;
    shuttingDown = true;
    control.close();
    control.closeAllConnections();
    await Promise.allSettled([...regions.values()].flatMap(({ op, proxy }) => [op.close(), proxy?.close()]));
    process.exit(code);
  }

  function region(body, url) {
    const name = body.region ?? url.searchParams.get('region') ?? 'primary';
    const r = regions.get(name);
    if (!r) {
      const e = new Error(`unknown region ${JSON.stringify(name)}; known: ${[...regions.keys()].join(', ')}`);
      e.status = 404;
      throw e;
    }
    return { name, ...r };
  }

  control.on('request', async (req, res) => {
    const url = new URL(req.url, controlUrl);
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      const body = req.method === 'POST' || req.method === 'DELETE' ? await readJson(req) : {};
      switch (route) {
        case 'GET /control/info':
        case 'GET /control':
          return sendJson(res, 200, info());
        case 'GET /control/jwks': {
          const { op } = region(body, url);
          return sendJson(res, 200, op.jwks());
        }
        case 'GET /control/stats': {
          const { name, op } = region(body, url);
          return sendJson(res, 200, { region: name, counts: op.requestCounts });
        }
        case 'DELETE /control/stats':
        case 'POST /control/stats/clear': {
          const { name, op } = region(body, url);
          op.resetCounts();
          return sendJson(res, 200, { region: name, cleared: true });
        }
        case 'POST /control/jwks-cache-control': {
          const { name, op } = region(body, url);
          op.setJwksCacheControl(body.value ?? undefined);
          return sendJson(res, 200, { region: name, value: body.value ?? null });
        }
        case 'POST /control/id-token': {
          const { op } = region(body, url);
          const r = await getIdToken(op, {
            nonce: body.nonce,
            clientId: body.clientId,
            clientSecret: body.clientSecret,
            redirectUri: body.redirectUri,
            scope: body.scope,
            maxAge: body.maxAge,
            acrValues: body.acrValues,
            accountId: body.accountId,
          });
          return sendJson(res, 200, {
            idToken: r.idToken,
            accessToken: r.accessToken,
            code: r.code,
            header: r.header,
            claims: r.claims,
            tokenResponse: r.tokenResponse,
          });
        }
        case 'POST /control/cc-token': {
          const { op, proxy } = region(body, url);
          const target = body.via === 'proxy' && proxy
            ? { ...op, tokenEndpoint: `${proxy.url}${op.issuerPath}/token` }
            : op;
          const t = await getClientCredentialsToken(target, {
            clientId: body.clientId,
            clientSecret: body.clientSecret,
            scope: body.scope,
            resource: body.resource,
            auth: body.auth,
          });
          const out = { ...t };
          if (typeof t.access_token === 'string' && t.access_token.split('.').length === 3) {
            Object.assign(out, decodeJwt(t.access_token));
          }
          return sendJson(res, t.status ?? 200, out);
        }
        case 'POST /control/rotate': {
          const { name, op } = region(body, url);
          const r = await op.rotateKey({ keepOld: body.keepOld !== false });
          return sendJson(res, 200, { region: name, ...r });
        }
        case 'POST /control/down': {
          const { name, op } = region(body, url);
          const want = body.down === undefined ? true : Boolean(body.down);
          const mode = want ? (body.mode ?? 'refuse') : false;
          const down = await op.setDown(mode);
          return sendJson(res, 200, { region: name, down });
        }
        case 'POST /control/fault': {
          const { name, proxy } = region(body, url);
          if (!proxy) return sendJson(res, 409, { error: 'no_proxy', error_description: 'serve was started with --no-proxy' });
          const s = await proxy.setMode(body.mode ?? 'pass', { times: body.times, then: body.then });
          return sendJson(res, 200, { region: name, ...s });
        }
        case 'GET /control/requests': {
          const { name, proxy } = region(body, url);
          return sendJson(res, 200, { region: name, requests: proxy ? proxy.requests : [] });
        }
        case 'DELETE /control/requests':
        case 'POST /control/requests/clear': {
          const { name, proxy } = region(body, url);
          proxy?.clear();
          return sendJson(res, 200, { region: name, cleared: true });
        }
        case 'POST /control/shutdown':
          sendJson(res, 200, { ok: true });
          setImmediate(() => shutdown(0));
          return undefined;
        default:
          return sendJson(res, 404, { error: 'not_found', error_description: `no route ${route}` });
      }
    } catch (err) {
      const status = err.status ?? (err instanceof SyntaxError || err instanceof TypeError ? 400 : 500);
      return sendJson(res, status, { error: status === 404 ? 'not_found' : 'failed', error_description: String(err.message ?? err) });
    }
  });

  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGHUP', () => shutdown(0));
  if (args['exit-with-stdin']) {
    // the parent (e.g. a Rust test) holds our stdin: when it goes away, so do we
    process.stdin.on('end', () => shutdown(0));
    process.stdin.on('close', () => shutdown(0));
    process.stdin.on('error', () => shutdown(0));
    process.stdin.resume();
  }

  process.stdout.write(`${JSON.stringify(info())}\n`);
}

async function callControl(args, path, body) {
  const base = String(args.control ?? process.env.OIDC_EDGE_TEST_CONTROL ?? '').replace(/\/+$/, '');
  if (!base) usage();
  const r = await fetch(`${base}${path}`, body === undefined ? {} : {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  process.stdout.write(`${JSON.stringify(json)}\n`);
  process.exit(r.ok ? 0 : 1);
}

const num = (v) => (v === undefined ? undefined : Number(v));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [cmd] = args._;
  const region = args.region ?? 'primary';
  switch (cmd) {
    case 'serve':
      return serve(args);
    case 'id-token': {
      const opts = {
        nonce: args.nonce,
        clientId: args['client-id'],
        clientSecret: args['client-secret'],
        redirectUri: args['redirect-uri'],
        maxAge: num(args['max-age']),
        acrValues: args.acr,
        accountId: args.account,
        scope: args.scope,
      };
      if (args.issuer) {
        const r = await getIdToken(args.issuer, opts);
        process.stdout.write(`${JSON.stringify({ idToken: r.idToken, accessToken: r.accessToken, code: r.code, header: r.header, claims: r.claims })}\n`);
        return undefined;
      }
      return callControl(args, '/id-token', { region, ...opts });
    }
    case 'cc-token': {
      const opts = {
        clientId: args['client-id'],
        clientSecret: args['client-secret'],
        scope: args.scope,
        resource: args.resource,
        auth: args.auth,
      };
      if (args['token-endpoint']) {
        const t = await getClientCredentialsToken(args['token-endpoint'], opts);
        process.stdout.write(`${JSON.stringify(t)}\n`);
        process.exit(t.error ? 1 : 0);
      }
      return callControl(args, '/cc-token', { region, ...opts });
    }
    case 'rotate':
      return callControl(args, '/rotate', { region, keepOld: !args['drop-old'] });
    case 'down':
      return callControl(args, '/down', { region, down: true, mode: args.mode ?? 'refuse' });
    case 'up':
      return callControl(args, '/down', { region, down: false });
    case 'fault':
      return callControl(args, '/fault', { region, mode: args.mode ?? 'pass', times: num(args.times) });
    case 'info':
      return callControl(args, '/info');
    case 'jwks':
      return callControl(args, `/jwks?region=${encodeURIComponent(region)}`);
    case 'shutdown':
      return callControl(args, '/shutdown', {});
    default:
      return usage(cmd ? 2 : 0);
  }
}

main().catch((err) => {
  process.stderr.write(`cli.mjs: ${err.stack ?? err}\n`);
  process.exit(1);
});
