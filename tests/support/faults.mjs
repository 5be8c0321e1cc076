// A fault-injecting HTTP proxy on 127.0.0.1 in front of one upstream (e.g. a token host).
// Modes switch at run time (JS API or HTTP control endpoint) and every request is recorded.
// See tests/support/README.md.

import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { sendJson as json } from './http.mjs';

const LOOPBACK = '127.0.0.1';

const MODE_HELP = [
  'pass', 'refuse', 'reset', 'hang', 'delay:<ms>', 'status:<500|502|503|504|any 4xx/5xx>',
  '429', '429:<seconds>', '429:none', 'malformed200', 'malformed200:html', 'malformed200:json',
  'malformed200:empty', 'invalid_client', 'invalid_client:401', 'invalid_scope',
  'oversized:declared', 'oversized:chunked', 'oversized:gzip',
];

/** A well-formed token answer of about 2 MiB (far above any token response limit): only its
 *  size is wrong, so a client that reads it whole would take it for a token. */
function oversizedToken() {
  return JSON.stringify({ access_token: 'x'.repeat(2 << 20), token_type: 'Bearer', expires_in: 3600 });
}

/** Parse and validate a mode string; returns { kind, arg }. */
export function parseMode(mode) {
  if (typeof mode !== 'string') throw new TypeError('mode must be a string');
  const [kind, arg] = mode.split(/:(.*)/s, 2);
  switch (kind) {
    case 'pass': case 'refuse': case 'reset': case 'hang': case 'invalid_scope':
      if (arg !== undefined) break;
      return { kind };
    case 'delay': {
      const ms = Number(arg);
      if (!Number.isInteger(ms) || ms < 0) break;
      return { kind, arg: ms };
    }
    case 'status': {
      const code = Number(arg);
      if (!Number.isInteger(code) || code < 400 || code > 599) break;
      return { kind, arg: code };
    }
    case '429': {
      if (arg === undefined) return { kind, arg: 2 };
      if (arg === 'none') return { kind, arg: null };
      const s = Number(arg);
      if (!Number.isInteger(s) || s < 0) break;
      return { kind, arg: s };
    }
    case 'malformed200':
      if (arg === undefined) return { kind, arg: 'html' };
      if (['html', 'json', 'empty'].includes(arg)) return { kind, arg };
      break;
    case 'oversized':
      if (['declared', 'chunked', 'gzip'].includes(arg)) return { kind, arg };
      break;
    case 'invalid_client':
      if (arg === undefined) return { kind, arg: 400 };
      if (arg === '401') return { kind, arg: 401 };
      break;
    default:
  }
  throw new TypeError(`unknown fault mode ${JSON.stringify(mode)}; one of: ${MODE_HELP.join(', ')}`);
}

function reset(socket) {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

async function readBody(req, limit = 1 << 20) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function listenOn(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

function tracked(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/**
 * Start a fault proxy.
 *
 * @param {object} o
 * @param {string} o.upstream origin (or any URL: only its origin is used) requests are forwarded to,
 *   path and query unchanged
 * @param {number} [o.port=0]
 * @param {number} [o.controlPort=0] the separate control server (stays up in `refuse` mode); null = none
 * @param {string} [o.mode='pass']
 * @param {string} [o.name] label in records
 */
export async function startFaultProxy(o) {
  if (!o?.upstream) throw new TypeError('startFaultProxy: upstream is required');
  let upstream = new URL(o.upstream);
  const name = o.name ?? 'upstream';

  let mode = parseMode(o.mode ?? 'pass');
  let modeText = o.mode ?? 'pass';
  let remaining = Infinity; // requests left in the current mode before `then`
  let thenMode = 'pass';
  const requests = [];
  let seq = 0;
  let refusing = false;

  const server = http.createServer();
  server.keepAliveTimeout = 1000;
  const sockets = tracked(server);
  const hung = new Set();
  const port = await listenOn(server, o.port ?? 0);
  const url = `http://${LOOPBACK}:${port}`;

  let controlServer;
  let controlUrl;

  async function stopListening() {
    if (!server.listening) return;
    const done = new Promise((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await done;
  }

  async function applyRefuse() {
    if (mode.kind === 'refuse' && !refusing) {
      refusing = true;
      await stopListening();
    } else if (mode.kind !== 'refuse' && refusing) {
      await listenOn(server, port);
      refusing = false;
    }
  }

  async function setMode(next, { times, then = 'pass' } = {}) {
    const parsed = parseMode(next);
    parseMode(then);
    mode = parsed;
    modeText = next;
    remaining = times === undefined || times === null ? Infinity : Number(times);
    if (!(remaining > 0)) throw new TypeError('times must be a positive integer');
    thenMode = then;
    // a mode change applies to the next request: drop idle kept-alive connections
    server.closeIdleConnections();
    await applyRefuse();
    return state();
  }

  function state() {
    return {
      mode: modeText,
      remaining: remaining === Infinity ? null : remaining,
      then: remaining === Infinity ? null : thenMode,
      url,
      upstream: upstream.origin,
      control: controlUrl ?? null,
      count: requests.length,
    };
  }

  // Picks the mode for this request and counts it down (refuse cannot count: nothing arrives).
  function takeMode() {
    const m = mode;
    if (remaining !== Infinity) {
      remaining -= 1;
      if (remaining <= 0) {
        mode = parseMode(thenMode);
        modeText = thenMode;
        remaining = Infinity;
        // leaving for `refuse` after N requests: stop listening once this one is handled
        if (mode.kind === 'refuse') setImmediate(() => applyRefuse().catch(() => {}));
      }
    }
    return m;
  }

  function forward(req, res, body, record) {
    const target = new URL(req.url, upstream);
    const headers = { ...req.headers, host: target.host };
    delete headers.connection;
    delete headers['keep-alive'];
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    const up = http.request(target, { method: req.method, headers }, (ur) => {
      record.status = ur.statusCode;
      const h = { ...ur.headers };
      delete h.connection;
      delete h['keep-alive'];
      delete h['transfer-encoding'];
      const chunks = [];
      ur.on('data', (c) => chunks.push(c));
      ur.on('end', () => {
        const b = Buffer.concat(chunks);
        h['content-length'] = String(b.length);
        res.writeHead(ur.statusCode, h);
        res.end(b);
      });
      ur.on('error', () => reset(req.socket));
    });
    up.on('error', (err) => {
      record.status = 502;
      record.upstreamError = err.code ?? err.message;
      // the upstream itself is unreachable: behave like a gateway would
      if (!res.headersSent) json(res, 502, { error: 'bad_gateway', error_description: `fault proxy: upstream ${err.code ?? 'error'}` });
    });
    up.end(body);
  }

  async function handle(req, res) {
    const path = req.url ?? '/';
    if (path.startsWith('/__fault')) {
      control(req, res, path.slice('/__fault'.length) || '/');
      return;
    }
    let body;
    try {
      body = await readBody(req);
    } catch {
      reset(req.socket);
      return;
    }
    const m = takeMode();
    const record = {
      seq: (seq += 1),
      time: Date.now(),
      proxy: name,
      mode: m.kind + (m.arg !== undefined && m.arg !== null ? `:${m.arg}` : ''),
      method: req.method,
      path,
      headers: { ...req.headers },
      authorization: req.headers.authorization ?? null,
      body: body.toString('utf8'),
      status: null,
    };
    // for token requests: who asked (Basic or client_secret_post), parsed for easy assertions
    record.client = clientOf(record);
    requests.push(record);

    switch (m.kind) {
      case 'pass':
        forward(req, res, body, record);
        return;
      case 'delay':
        setTimeout(() => {
          if (!req.socket.destroyed) forward(req, res, body, record);
        }, m.arg);
        return;
      case 'refuse': // the listener is being closed; this request slipped in
      case 'reset':
        record.status = 'reset';
        reset(req.socket);
        return;
      case 'hang':
        record.status = 'hang';
        hung.add(req.socket);
        req.socket.on('close', () => hung.delete(req.socket));
        return;
      case 'status': {
        record.status = m.arg;
        if (m.arg === 502 || m.arg === 504) {
          const text = `<html><body><h1>${m.arg} ${http.STATUS_CODES[m.arg]}</h1></body></html>`;
          res.writeHead(m.arg, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        } else {
          json(res, m.arg, { error: m.arg === 503 ? 'temporarily_unavailable' : 'server_error', error_description: 'injected fault' });
        }
        return;
      }
      case '429':
        record.status = 429;
        json(res, 429, { error: 'slow_down', error_description: 'injected rate limit' },
          m.arg === null ? {} : { 'retry-after': String(m.arg) });
        return;
      case 'malformed200':
        record.status = 200;
        if (m.arg === 'json') json(res, 200, { token_type: 'Bearer', expires_in: 600 });
        else if (m.arg === 'empty') json(res, 200, '');
        else {
          const text = '<html><body>Service temporarily unavailable</body></html>';
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }
        return;
      case 'oversized': {
        // declared: Content-Length says 2 MiB; chunked: no length; gzip: a small declared
        // length of gzip-coded octets that decode to 2 MiB (fetch decodes them).
        record.status = 200;
        const text = oversizedToken();
        if (m.arg === 'gzip') {
          const coded = zlib.gzipSync(text);
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': coded.length });
          res.end(coded);
        } else if (m.arg === 'chunked') {
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < text.length; i += 64 * 1024) res.write(text.slice(i, i + 64 * 1024));
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }
        return;
      }
      case 'invalid_client':
        record.status = m.arg;
        json(res, m.arg, { error: 'invalid_client', error_description: 'client authentication failed' },
          m.arg === 401 ? { 'www-authenticate': 'Basic realm="token"' } : {});
        return;
      case 'invalid_scope':
        record.status = 400;
        json(res, 400, { error: 'invalid_scope', error_description: 'requested scope is not allowed' });
        return;
      default:
        reset(req.socket);
    }
  }

  // HTTP control: GET /mode, POST /mode {mode, times?, then?}, GET /requests, DELETE /requests
  // (POST /requests/clear too), POST /upstream {upstream}
  async function control(req, res, path) {
    try {
      const [p] = path.split('?');
      if (p === '/mode' && req.method === 'GET') return json(res, 200, state());
      if ((p === '/mode' || p === '/') && req.method === 'POST') {
        const b = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        return json(res, 200, await setMode(b.mode, { times: b.times, then: b.then }));
      }
      if (p === '/requests' && req.method === 'GET') return json(res, 200, { requests });
      if ((p === '/requests' && req.method === 'DELETE') || (p === '/requests/clear' && req.method === 'POST')) {
        clear();
        return json(res, 200, { cleared: true });
      }
      if (p === '/upstream' && req.method === 'POST') {
        const b = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        upstream = new URL(b.upstream);
        return json(res, 200, state());
      }
      return json(res, 404, { error: 'not_found' });
    } catch (err) {
      return json(res, 400, { error: 'bad_request', error_description: err.message });
    }
  }

  function clear() {
    requests.length = 0;
  }

  server.on('request', (req, res) => {
    handle(req, res).catch(() => reset(req.socket));
  });

  if (o.controlPort !== null) {
    controlServer = http.createServer((req, res) => {
      const path = req.url ?? '/';
      control(req, res, path.startsWith('/__fault') ? path.slice('/__fault'.length) || '/' : path);
    });
    tracked(controlServer);
    const cport = await listenOn(controlServer, o.controlPort ?? 0);
    controlUrl = `http://${LOOPBACK}:${cport}/__fault`;
  }
  await applyRefuse();

  return {
    name,
    url,
    port,
    get upstream() { return upstream.origin; },
    controlUrl,
    get mode() { return modeText; },
    /** All recorded requests (live array; copy it if you keep it). */
    get requests() { return requests; },
    setMode,
    state,
    clear,
    /** Recorded requests whose path ends with `suffix` (e.g. '/token'). */
    requestsTo(suffix) {
      return requests.filter((r) => r.path.split('?')[0].endsWith(suffix));
    },
    setUpstream(u) { upstream = new URL(u); },
    async close() {
      await stopListening();
      if (controlServer?.listening) {
        await new Promise((resolve) => {
          controlServer.close(() => resolve());
          controlServer.closeAllConnections();
        });
      }
    },
  };
}

/** Who authenticated a token request: { method: 'basic'|'post'|null, clientId, clientSecret }. */
export function clientOf(record) {
  const auth = record.headers?.authorization ?? record.authorization;
  if (auth && /^basic /i.test(auth)) {
    const raw = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = raw.indexOf(':');
    const dec = (s) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return { method: 'basic', clientId: dec(raw.slice(0, i)), clientSecret: dec(raw.slice(i + 1)) };
  }
  const ct = record.headers?.['content-type'] ?? '';
  if (ct.startsWith('application/x-www-form-urlencoded') && record.body) {
    const f = new URLSearchParams(record.body);
    if (f.has('client_id')) {
      return { method: f.has('client_secret') ? 'post' : 'none', clientId: f.get('client_id'), clientSecret: f.get('client_secret') };
    }
  }
  return { method: null, clientId: null, clientSecret: null };
}
