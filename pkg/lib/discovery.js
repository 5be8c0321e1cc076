// OpenID Connect Discovery: the provider's metadata document, whose `issuer` must be the one
// configured, and a remote key set for its `jwks_uri`.

import { utf8 } from './encoding.js';
import { fetchError } from './errors.js';
import { checkUrl, fetchLimited, secureUrl } from './fetch.js';
import { nonEmptyString } from './options.js';
import { remoteKeySet, remoteSettings } from './remote.js';

/** Size cap of a discovery document. */
const DISCOVERY_MAX_BYTES = 64 * 1024;
/** The placeholder of a multi-tenant (Microsoft Entra) issuer template. */
const TENANT_PLACEHOLDER = '{tenantid}';

/** The issuer the document must name: the discovery URL itself, or a `{tenantid}` template
 *  (`options.issuer`) that a multi-tenant endpoint (Entra's /common, /organizations)
 *  publishes verbatim. */
function expectedIssuer(url, options) {
  const issuer = options?.issuer;
  if (issuer === undefined) return url;
  nonEmptyString('options.issuer', issuer);
  if (!issuer.includes(TENANT_PLACEHOLDER)) {
    throw new TypeError(`discover: options.issuer is only for a ${TENANT_PLACEHOLDER} template; otherwise discover the issuer itself`);
  }
  return issuer;
}

/**
 * Fetches `<url>/.well-known/openid-configuration`, requires its `issuer` to equal the expected
 * one exactly (a TypeError otherwise: the configuration is wrong, not the token), and returns
 * a remote key set for its `jwks_uri` carrying `.issuer` and `.metadata`. Used as keys, it
 * supplies `issuer` when the options omit it.
 */
export async function discover(ctx, url, options) {
  nonEmptyString('issuer', url);
  const base = checkUrl('discover', url);
  const issuer = expectedIssuer(url, options);
  const settings = remoteSettings(options, ['issuer']);
  const fail = (kind, message) => fetchError(ctx.glue, kind, message);
  const configUrl = `${base.href.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const r = await fetchLimited(settings.fetchImpl, configUrl, settings.timeoutMs, DISCOVERY_MAX_BYTES);
  if (!r.ok) {
    if (r.timedOut) throw fail('jwks_timeout', 'fetching the discovery document timed out');
    throw fail('jwks_unavailable', r.status ? `discovery document: HTTP ${r.status}` : 'discovery document: fetch failed');
  }
  if (r.body.length > DISCOVERY_MAX_BYTES) throw fail('jwks_unavailable', 'discovery document is larger than 64 KiB');
  let doc;
  try { doc = JSON.parse(utf8.decode(r.body)); } catch { doc = undefined; }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw fail('jwks_unavailable', 'discovery document is not a JSON object');
  if (doc.issuer !== issuer) {
    throw new TypeError(`discover: the document's issuer ${JSON.stringify(String(doc.issuer).slice(0, 200))} is not the configured issuer ${JSON.stringify(issuer)}`);
  }
  if (typeof doc.jwks_uri !== 'string') throw fail('jwks_unavailable', 'discovery document has no jwks_uri');
  let jwksUrl;
  try { jwksUrl = new URL(doc.jwks_uri); } catch { throw fail('jwks_unavailable', 'discovery document jwks_uri is not a URL'); }
  if (!secureUrl(jwksUrl)) throw fail('jwks_unavailable', 'discovery document jwks_uri is not https');
  return remoteKeySet(ctx, jwksUrl, settings, { issuer, metadata: doc });
}
