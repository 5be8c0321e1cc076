// Facts about the runtime the package finds itself in.

/** Workers-like runtimes (Cloudflare Workers, Vercel Edge) forbid awaiting a promise created
 *  by another request, so a fetch is never shared between requests there. */
export function isolatedRequests() {
  return (typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers')
    || typeof globalThis.EdgeRuntime === 'string';
}
