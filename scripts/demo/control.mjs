// The demo control server's guards: it drives the worker and the fault proxies with a demo
// client's secret, so only the demo page on 127.0.0.1 may use it.
//   guard():       the Host must be this server's loopback address (a DNS rebinding attack
//                  reaches it under the attacker's host name), and an Origin, when the browser
//                  sends one (every cross-site POST has it), must be this server (CSRF).
//   serveStatic(): www/ and pkg/ only; a path that resolves outside them is not served.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../tests/support/harness.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.ts': 'text/plain; charset=utf-8',
};

/** Why the request is refused, or null. */
export function guard(req, port) {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(req.headers.host ?? '')) return 'unexpected Host';
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin)) return 'unexpected Origin';
  return null;
}

/** The file under ROOT/<dir> a URL path names, if it stays inside that directory. */
export function staticFile(urlPath, dirs = ['www', 'pkg']) {
  const m = /^\/([^/]+)(\/.*)?$/.exec(urlPath);
  if (!m || !dirs.includes(m[1])) return null;
  let rel;
  try {
    rel = decodeURIComponent(m[2] ?? '/');
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const base = path.join(ROOT, m[1]);
  let file = path.resolve(base, `.${rel}`);
  const inside = (f) => {
    const r = path.relative(base, f);
    return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
  };
  if (!inside(file)) return null;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  // Links are followed only if what they point to is inside too.
  if (!fs.existsSync(file) || !inside(fs.realpathSync(file)) || !fs.statSync(file).isFile()) return null;
  return file;
}

/** Serves a file of www/ or pkg/; false when the path names none. */
export function serveStatic(res, urlPath) {
  const file = staticFile(urlPath);
  if (!file) return false;
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
  return true;
}
