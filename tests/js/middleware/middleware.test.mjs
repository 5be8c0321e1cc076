// The middleware examples of pkg/README.md, run as users would run them: Express on Node, Hono
// on Cloudflare Workers (workerd) and Deno.serve, each from a project where the packed package
// is installed, each checking real access tokens from oidc-provider (client_credentials grant)
// with the same table of requests. The README's snippets are these files' marked parts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getClientCredentialsToken, getIdToken, startProvider } from '../../support/op.mjs';
import { PKG, consumerProject } from '../helpers.mjs';
import { bundleWorker, startWorkerd } from '../workerd.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const RUNTIMES_DIR = process.env.OIDC_EDGE_RUNTIMES_DIR ?? path.join(os.homedir(), '.cache/oidc-edge-runtimes');
/** A JWKS URL nobody answers (a port that was free a moment ago): the keys cannot be had. */
let deadJwksUri;

let op;
let other; // another provider: its tokens name another issuer
const tokens = {};

before(async () => {
  op = await startProvider({ name: 'mw', issuerPath: '/mw' });
  other = await startProvider({ name: 'mw2', issuerPath: '/mw2' });
  tokens.read = (await getClientCredentialsToken(op, { scope: 'api:read' })).access_token;
  tokens.write = (await getClientCredentialsToken(op, { scope: 'api:write' })).access_token;
  tokens.other = (await getClientCredentialsToken(other, { scope: 'api:read' })).access_token;
  tokens.id = (await getIdToken(op)).idToken;
  const spare = await startProvider({ name: 'gone', issuerPath: '/gone' });
  deadJwksUri = spare.jwksUri;
  await spare.close();
});
after(async () => {
  await op?.close();
  await other?.close();
});

const settings = (jwksUri) => ({ JWKS_URI: jwksUri, ISSUER: op.issuer, AUDIENCE: op.audience });

/** Each runtime: start(settings) -> { request(path, headers), close() }. */
const RUNTIMES = {
  async express(env) {
    const dir = consumerProject('middleware-express', { links: ['express'] });
    fs.copyFileSync(path.join(HERE, 'express-app.mjs'), path.join(dir, 'express-app.mjs'));
    const { createApp } = await import(pathToFileURL(path.join(dir, 'express-app.mjs')).href);
    const app = createApp({ jwksUri: env.JWKS_URI, issuer: env.ISSUER, audience: env.AUDIENCE });
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${server.address().port}`;
    return {
      request: (p, headers) => fetch(`${base}${p}`, { headers }),
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    };
  },
  async hono(env) {
    const dist = bundleWorker('middleware-hono', fs.readFileSync(path.join(HERE, 'hono-worker.mjs'), 'utf8'), { links: ['hono'] });
    const mf = await startWorkerd(dist, env);
    return {
      request: (p, headers) => mf.dispatchFetch(`http://localhost${p}`, { headers }),
      close: () => mf.dispose(),
    };
  },
  async deno(env, t) {
    const deno = path.join(RUNTIMES_DIR, 'node_modules/.bin/deno');
    if (!fs.existsSync(deno)) return undefined;
    const dir = consumerProject('middleware-deno');
    fs.copyFileSync(path.join(HERE, 'deno-server.mjs'), path.join(dir, 'deno-server.mjs'));
    const child = spawn(deno, ['run', '--quiet', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', 'deno-server.mjs'], {
      cwd: dir, env: { ...process.env, ...env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const port = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`deno exited ${code}: ${stderr}`)));
    });
    t.diagnostic(`deno serving on 127.0.0.1:${port}`);
    const base = `http://127.0.0.1:${port}`;
    return {
      request: (p, headers) => fetch(`${base}${p}`, { headers }),
      close: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
    };
  },
};

function tamper(token) {
  const [h, p, s] = token.split('.');
  return `${h}.${p}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`;
}

/** [what, path, headers, status, check(body, res)] against a server with the provider's keys. */
const CASES = () => [
  ['a token with the scope', '/api/hello', { authorization: `Bearer ${tokens.read}` }, 200, (body) => {
    assert.deepEqual(body, { sub: op.clients.clientCredentials.clientId, client_id: op.clients.clientCredentials.clientId, scope: 'api:read' });
  }],
  ['the scheme in lower case', '/api/hello', { authorization: `bearer ${tokens.read}` }, 200],
  ['no token', '/api/hello', {}, 401, (body, res) => assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')],
  ['another scheme', '/api/hello', { authorization: 'Basic dXNlcjpwYXNz' }, 401, (body, res) => assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')],
  ['two tokens in the header', '/api/hello', { authorization: `Bearer ${tokens.read} ${tokens.read}` }, 400, (body, res) => {
    assert.match(res.headers.get('www-authenticate'), /^Bearer realm="api", error="invalid_request"/);
  }],
  ['the token in the header and the query', `/api/hello?access_token=${tokens.read}`, { authorization: `Bearer ${tokens.read}` }, 400],
  ['a token without the scope', '/api/hello', { authorization: `Bearer ${tokens.write}` }, 403, (body, res) => {
    assert.match(res.headers.get('www-authenticate'), /^Bearer realm="api", error="insufficient_scope", error_description="[^"]+", scope="api:read"$/);
    assert.equal(body.kind, 'insufficient_scope');
    assert.equal(body.claim, 'scope');
  }],
  ['a bad signature', '/api/hello', { authorization: `Bearer ${tamper(tokens.read)}` }, 401, (body, res) => {
    assert.match(res.headers.get('www-authenticate'), /error="invalid_token"/);
    assert.equal(body.kind, 'bad_signature');
  }],
  ['an ID token (another audience)', '/api/hello', { authorization: `Bearer ${tokens.id}` }, 401, (body) => assert.equal(body.kind, 'aud_mismatch')],
  ['another issuer\'s token', '/api/hello', { authorization: `Bearer ${tokens.other}` }, 401, (body) => assert.ok(['key_not_found', 'iss_mismatch'].includes(body.kind), body.kind)],
];

for (const [name, start] of Object.entries(RUNTIMES)) {
  test(`${name}: the middleware example answers every request as documented`, async (t) => {
    const server = await start(settings(op.jwksUri), t);
    if (!server) { t.skip(`${name} is not installed in ${RUNTIMES_DIR}`); return; }
    try {
      for (const [what, p, headers, status, check] of CASES()) {
        const res = await server.request(p, headers);
        const body = await res.json();
        assert.equal(res.status, status, `${what}: ${JSON.stringify(body)}`);
        check?.(body, res);
      }
    } finally {
      await server.close();
    }
    // the keys cannot be had: 503 with Retry-After (the token may be fine)
    const down = await start(settings(deadJwksUri), t);
    try {
      const res = await down.request('/api/hello', { authorization: `Bearer ${tokens.read}` });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal((await res.json()).kind, 'jwks_unavailable');
    } finally {
      await down.close();
    }
  });
}

test('pkg/README.md shows the examples as they are tested', () => {
  const readme = fs.readFileSync(path.join(PKG, 'README.md'), 'utf8');
  for (const file of ['express-app.mjs', 'hono-worker.mjs', 'deno-server.mjs']) {
    const text = fs.readFileSync(path.join(HERE, file), 'utf8');
    const part = text.slice(text.indexOf('// example:start\n') + 17, text.indexOf('// example:end'));
    assert.ok(readme.includes(part), `pkg/README.md lacks the marked part of tests/js/middleware/${file}`);
  }
});
