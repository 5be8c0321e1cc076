// The one JSON response writer of the test servers (providers, fault proxies, control API).

/** Answers `body` (an object, or a string sent as is) as JSON, never cached. */
export function sendJson(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
