// Real OpenID providers for the tests: `oidc-provider` (v9) instances on 127.0.0.1, each with
// its own issuer, RS256 key and clients, plus a scripted (browserless) authorization code flow.
//
// See tests/support/README.md for the API. Nothing here reaches beyond 127.0.0.1.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { promisify } from 'node:util';
import { sendJson } from './http.mjs';

// oidc-provider prints two known warnings (Node 20 is "unsupported" by its policy, and the
// in-memory adapter is for development): both are expected here, hide only those two.
const KNOWN_NOISE = /oidc-provider WARNING: (Unsupported runtime|a quick start development-only in-memory adapter)/;
function quietly(fn) {
  const { warn } = console;
  console.warn = (...args) => {
    if (typeof args[0] === 'string' && KNOWN_NOISE.test(args[0])) return;
    warn.apply(console, args);
  };
  const restore = () => { console.warn = warn; };
  try {
    const r = fn();
    if (r && typeof r.then === 'function') return r.finally(restore);
    restore();
    return r;
  } catch (e) {
    restore();
    throw e;
  }
}
const { Provider, errors: opErrors } = await quietly(() => import('oidc-provider'));

const generateKeyPair = promisify(crypto.generateKeyPair);

export const DEFAULT_RESOURCE = 'https://api.example.test';
export const DEFAULT_RESOURCE_SCOPE = 'api:read api:write';
export const DEFAULT_ACCOUNT = 'user-1234';
export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback';
export const ACR_VALUES = ['urn:oidc-edge:acr:pwd', 'urn:oidc-edge:acr:mfa'];

const LOOPBACK = '127.0.0.1';

/**
 * A fresh RSA private JWK (2048-bit by default) for RS256 signing, with `kid`, `alg`, `use`.
 */
export async function generateRsaJwk({ kid, modulusLength = 2048 } = {}) {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: kid ?? `k-${crypto.randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

/** The public half of an RSA private JWK (no d, p, q, dp, dq, qi). */
export function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, oth, ...pub } = jwk;
  return pub;
}

/** Default clients of a region called `name` (ids and secrets derived from the name). */
export function defaultClients(name) {
  return {
    // machine client, client_secret_basic: what the worker's primaryClientID / secondaryClientID are
    clientCredentials: {
      clientId: `app-${name}-id`,
      clientSecret: `app-${name}-secret`,
      authMethod: 'client_secret_basic',
    },
    // same as above, registered for client_secret_post (the worker's UPSTREAM_AUTH=post)
    clientCredentialsPost: {
      clientId: `app-${name}-post-id`,
      clientSecret: `app-${name}-post-secret`,
      authMethod: 'client_secret_post',
    },
    // relying party for ID tokens (authorization code flow, client_secret_basic)
    authorizationCode: {
      clientId: `web-${name}-id`,
      clientSecret: `web-${name}-secret`,
      redirectUri: DEFAULT_REDIRECT_URI,
      authMethod: 'client_secret_basic',
    },
  };
}

function clientMetadata(role, c) {
  if (role === 'authorizationCode' || c.redirectUri) {
    return {
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri ?? DEFAULT_REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: c.authMethod ?? 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      scope: c.scope ?? 'openid profile email',
      ...c.metadata,
    };
  }
  return {
    client_id: c.clientId,
    client_secret: c.clientSecret,
    redirect_uris: [],
    response_types: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: c.authMethod ?? 'client_secret_basic',
    scope: c.scope ?? DEFAULT_RESOURCE_SCOPE,
    ...c.metadata,
  };
}

const ACCOUNTS_DEFAULT = {
  [DEFAULT_ACCOUNT]: {
    name: 'Ada Example',
    given_name: 'Ada',
    family_name: 'Example',
    email: 'ada@example.test',
    email_verified: true,
  },
};


/**
 * Start one real OpenID provider on 127.0.0.1.
 *
 * @param {object} o
 * @param {string} [o.name='op'] region name; default client ids derive from it
 * @param {number} [o.port=0] 0 = any free port
 * @param {string} [o.issuerPath] e.g. '/primary' -> issuer http://127.0.0.1:<port>/primary
 * @param {object|object[]} [o.keys] fixed private JWK(s) (RSA; EC and OKP with their `alg`); the first one of an alg signs
 * @param {boolean} [o.dpop] DPoP on: a token requested with a `DPoP` proof is bound to its key (cnf.jkt)
 * @param {object} [o.clients] role -> { clientId, clientSecret, authMethod?, redirectUri?, scope?, metadata? },
 *   merged over defaultClients(name); a role set to null is removed
 * @param {object[]} [o.extraClients] raw oidc-provider client metadata, registered as is
 * @param {object} [o.ttl] { IdToken, AccessToken, ClientCredentials, AuthorizationCode } seconds
 * @param {object} [o.accounts] accountId -> claims
 * @param {string} [o.resource] the resource indicator of the API (default https://api.example.test)
 * @param {object} [o.resourceServer] overrides of the resource server info (scope, audience, accessTokenTTL)
 * @param {string} [o.jwksCacheControl] Cache-Control of the JWKS response (default: none)
 */
export async function startProvider(o = {}) {
  const name = o.name ?? 'op';
  let issuerPath = o.issuerPath ?? '';
  if (issuerPath && !issuerPath.startsWith('/')) issuerPath = `/${issuerPath}`;
  issuerPath = issuerPath.replace(/\/+$/, '');

  const resource = o.resource ?? DEFAULT_RESOURCE;
  const resourceServerInfo = {
    scope: DEFAULT_RESOURCE_SCOPE,
    audience: resource,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
    ...o.resourceServer,
  };
  const ttl = {
    IdToken: 3600,
    AccessToken: 3600,
    ClientCredentials: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    ...o.ttl,
  };
  const accounts = { ...ACCOUNTS_DEFAULT, ...o.accounts };

  const clients = defaultClients(name);
  for (const [role, c] of Object.entries(o.clients ?? {})) {
    if (c === null) delete clients[role];
    else clients[role] = { ...clients[role], ...c };
  }
  const clientList = [
    ...Object.entries(clients).map(([role, c]) => clientMetadata(role, c)),
    ...(o.extraClients ?? []),
  ];

  let keys = o.keys ? (Array.isArray(o.keys) ? [...o.keys] : [o.keys]) : [await generateRsaJwk()];
  keys = keys.map((k) => ({ alg: 'RS256', use: 'sig', ...k }));
  const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

  const server = http.createServer();
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const origin = `http://${LOOPBACK}:${port}`;
  const issuer = `${origin}${issuerPath}`;

  function buildProvider() {
    const configuration = {
      clients: clientList.map((c) => ({ ...c })),
      jwks: { keys: keys.map((k) => ({ ...k })) },
      cookies: { keys: cookieKeys },
      acrValues: ACR_VALUES,
      claims: {
        openid: ['sub'],
        profile: ['name', 'given_name', 'family_name'],
        email: ['email', 'email_verified'],
        acr: null,
        auth_time: null,
        sid: null,
      },
      // put the scope's claims into the ID token too (easier to assert on)
      conformIdTokenClaims: false,
      scopes: ['openid', 'offline_access', 'profile', 'email', ...DEFAULT_RESOURCE_SCOPE.split(' ')],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // DPoP (RFC 9449), on request: tokens requested with a proof are bound to its key (cnf.jkt)
        ...(o.dpop ? { dPoP: { enabled: true } } : {}),
        introspection: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // a client_credentials request without `resource` still gets the API's JWT
          defaultResource: async (ctx, client, oneOf) => {
            if (oneOf) return oneOf;
            if (ctx.oidc?.params?.grant_type === 'client_credentials') return resource;
            return undefined;
          },
          useGrantedResource: async () => false,
          getResourceServerInfo: async (ctx, indicator) => {
            if (indicator === resource) return { ...resourceServerInfo };
            throw new opErrors.InvalidTarget();
          },
        },
      },
      findAccount: async (ctx, sub) => {
        if (!accounts[sub]) return undefined;
        return {
          accountId: sub,
          claims: async () => ({ sub, ...accounts[sub] }),
        };
      },
      interactions: {
        url: async (ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}`,
      },
      ttl: Object.fromEntries(Object.entries(ttl).map(([k, v]) => [k, typeof v === 'function' ? v : () => v])),
      pkce: { required: () => false },
      renderError: async (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
    const p = quietly(() => new Provider(issuer, configuration));
    // Cache-Control of the JWKS response (none by default, like oidc-provider itself)
    p.use(async (ctx, next) => {
      await next();
      if (jwksCacheControl && ctx.oidc?.route === 'jwks') ctx.set('cache-control', jwksCacheControl);
    });
    p.on('server_error', (ctx, err) => {
      if (!o.quiet) console.error(`[op ${name}] server_error`, err);
    });
    return p;
  }

  let provider = buildProvider();
  let handler = provider.callback();
  let down = false; // false | 'refuse' | '503' | 'reset' | 'hang'
  let closed = false;
  let jwksCacheControl = o.jwksCacheControl;
  // requests that reached this provider, by endpoint (jwks, token, discovery, auth, interaction, other)
  const counts = {};

  async function interaction(req, res, uid) {
    const p = provider;
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction uid mismatch');
    const { prompt, params } = details;
    if (prompt.name === 'login') {
      const accountId = params.login_hint || DEFAULT_ACCOUNT;
      const requested = typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
      const acr = requested.find((v) => ACR_VALUES.includes(v)) ?? ACR_VALUES[0];
      await p.interactionFinished(req, res, {
        login: { accountId, acr, amr: acr === ACR_VALUES[1] ? ['pwd', 'otp'] : ['pwd'], remember: false },
      }, { mergeWithLastSubmission: false });
      return;
    }
    if (prompt.name === 'consent') {
      const grant = details.grantId
        ? await p.Grant.find(details.grantId)
        : new p.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      const grantId = await grant.save();
      await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    await p.interactionFinished(req, res, { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` });
  }

  server.on('request', (req, res) => {
    if (down === '503') {
      sendJson(res, 503, { error: 'temporarily_unavailable', error_description: `${name} is down` }, { 'retry-after': '1' });
      return;
    }
    if (down === 'reset') {
      if (req.socket.resetAndDestroy) req.socket.resetAndDestroy();
      else req.socket.destroy();
      return;
    }
    if (down === 'hang') return;
    const url = req.url ?? '/';
    if (issuerPath && !(url === issuerPath || url.startsWith(`${issuerPath}/`) || url.startsWith(`${issuerPath}?`))) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const rest = url.slice(issuerPath.length) || '/';
    const endpoint = endpointOf(rest);
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\?.*)?$/.exec(rest);
    if (m && req.method === 'GET') {
      interaction(req, res, m[1]).catch((err) => {
        if (!res.headersSent) sendJson(res, 400, { error: 'interaction_failed', error_description: String(err.message ?? err) });
      });
      return;
    }
    if (issuerPath) {
      req.originalUrl = url;
      req.url = rest;
    }
    handler(req, res);
  });

  async function listen() {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async function stopListening() {
    if (!server.listening) return;
    const done = new Promise((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await done;
  }

  const op = {
    name,
    issuer,
    origin,
    port,
    issuerPath,
    discoveryUri: `${issuer}/.well-known/openid-configuration`,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    authorizationEndpoint: `${issuer}/auth`,
    userinfoEndpoint: `${issuer}/me`,
    resource,
    resourceScope: resourceServerInfo.scope,
    audience: resourceServerInfo.audience,
    clients,
    clientList,
    get provider() { return provider; },
    get kid() { return keys[0].kid; },
    get down() { return down; },
    /** Requests that reached the provider (not refused) by endpoint: { jwks, token, discovery, auth, ... }. */
    get requestCounts() { return { ...counts }; },
    resetCounts() {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    /** Cache-Control header of the JWKS response from now on (undefined: none). */
    setJwksCacheControl(value) {
      jwksCacheControl = value;
    },
    /** The public JWK Set this provider currently publishes. */
    jwks() {
      return { keys: keys.map(publicJwk) };
    },
    /** Private JWKs, first one signs (for tests that need to forge with the real key). */
    privateKeys() {
      return keys.map((k) => ({ ...k }));
    },
    /**
     * New signing key with a new kid; it signs from now on.
     * keepOld (default true): the old key(s) stay published (verification of older tokens still works).
     */
    async rotateKey({ keepOld = true, key } = {}) {
      const previousKid = keys[0].kid;
      const next = key ? { alg: 'RS256', use: 'sig', ...key } : await generateRsaJwk();
      if (next.kid === previousKid) throw new Error('rotateKey: new key has the same kid');
      keys = keepOld ? [next, ...keys] : [next];
      provider = buildProvider();
      handler = provider.callback();
      return { kid: next.kid, previousKid, jwks: op.jwks() };
    },
    /**
     * Simulate the loss of this region. mode: true | 'refuse' (stop listening: connection refused),
     * '503' (every request 503 temporarily_unavailable), 'reset' (sockets destroyed), 'hang' (never answers);
     * false brings it back on the same port.
     */
    async setDown(mode = true) {
      if (closed) throw new Error('provider closed');
      const next = mode === true ? 'refuse' : mode === false ? false : String(mode);
      if (next && !['refuse', '503', 'reset', 'hang'].includes(next)) throw new Error(`unknown down mode ${mode}`);
      if (next === 'refuse') {
        down = next;
        await stopListening();
      } else {
        if (!server.listening) await listen();
        down = next;
        if (next === false) return down;
        // drop kept-alive connections so the new behaviour applies to the next request at once
        server.closeIdleConnections();
      }
      return down;
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
    },
  };
  return op;
}

function endpointOf(rest) {
  const path = rest.split('?')[0];
  if (path === '/jwks') return 'jwks';
  if (path === '/token') return 'token';
  if (path === '/.well-known/openid-configuration') return 'discovery';
  if (path === '/auth' || path.startsWith('/auth/')) return 'auth';
  if (path.startsWith('/interaction/')) return 'interaction';
  if (path === '/me') return 'userinfo';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Clients of the provider (plain HTTP, usable against any provider started by this module, even
// in another process: the interaction endpoint completes login and consent by itself)

/** Minimal cookie jar: one value per name, Max-Age=0 / past Expires deletes. */
class CookieJar {
  #c = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie?.() ?? []) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + 1).trim();
      let del = false;
      for (const a of attrs) {
        const [an, av] = a.split('=').map((s) => s?.trim());
        if (/^max-age$/i.test(an) && Number(av) <= 0) del = true;
        if (/^expires$/i.test(an) && Date.parse(av) < Date.now()) del = true;
      }
      if (del) this.#c.delete(k);
      else this.#c.set(k, v);
    }
  }

  header() {
    return [...this.#c].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function basic(id, secret) {
  const enc = (s) => encodeURIComponent(s); // RFC 6749 2.3.1: form-urlencode, then Basic
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** Decode (without verifying) the JSON segments of a compact JWS. */
export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

function issuerOf(target) {
  return typeof target === 'string' ? target : target.issuer;
}

async function discover(issuer) {
  const r = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`discovery of ${issuer} failed: HTTP ${r.status}`);
  return r.json();
}

/**
 * Run the authorization code flow against `target` (a startProvider() result, or an issuer URL
 * string of such a provider) with scripted login and consent; no browser.
 *
 * @returns {{ idToken, accessToken, code, state, tokenResponse, header, claims }}
 */
export async function getIdToken(target, {
  nonce,
  clientId,
  clientSecret,
  redirectUri,
  scope = 'openid profile email',
  maxAge,
  acrValues,
  accountId,
  state = crypto.randomBytes(8).toString('hex'),
  prompt,
  extraParams = {},
} = {}) {
  const issuer = issuerOf(target);
  // the client: given explicitly, or one of the target's clients (by id), or its RP client
  const known = typeof target === 'object' ? Object.values(target.clients ?? {}) : [];
  const rp = clientId ? known.find((c) => c.clientId === clientId) : target.clients?.authorizationCode;
  clientId ??= rp?.clientId;
  clientSecret ??= rp?.clientSecret;
  redirectUri ??= rp?.redirectUri ?? DEFAULT_REDIRECT_URI;
  if (!clientId || !clientSecret) throw new TypeError('getIdToken: clientId and clientSecret are required');

  const meta = await discover(issuer);
  const auth = new URL(meta.authorization_endpoint);
  const params = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    ...(nonce !== undefined && { nonce }),
    ...(maxAge !== undefined && { max_age: String(maxAge) }),
    ...(acrValues !== undefined && { acr_values: Array.isArray(acrValues) ? acrValues.join(' ') : acrValues }),
    ...(accountId !== undefined && { login_hint: accountId }),
    ...(prompt !== undefined && { prompt }),
    ...extraParams,
  };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);

  const jar = new CookieJar();
  let url = auth.href;
  let code;
  for (let hop = 0; hop < 12; hop += 1) {
    const r = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(r);
    const location = r.headers.get('location');
    if (r.status < 300 || r.status >= 400 || !location) {
      const body = await r.text();
      throw new Error(`authorization flow stopped at ${new URL(url).pathname}: HTTP ${r.status} ${body.slice(0, 300)}`);
    }
    await r.arrayBuffer().catch(() => {});
    const next = new URL(location, url);
    const back = new URL(redirectUri);
    if (next.origin === back.origin && next.pathname === back.pathname) {
      const err = next.searchParams.get('error');
      if (err) throw new Error(`authorization error: ${err} ${next.searchParams.get('error_description') ?? ''}`.trim());
      if (next.searchParams.get('state') !== state) throw new Error('authorization response state mismatch');
      code = next.searchParams.get('code');
      break;
    }
    url = next.href;
  }
  if (!code) throw new Error('authorization flow did not reach the redirect_uri');

  const tr = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: basic(clientId, clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
  });
  const tokenResponse = await tr.json();
  if (!tr.ok) throw new Error(`token endpoint: HTTP ${tr.status} ${JSON.stringify(tokenResponse)}`);
  const { header, claims } = decodeJwt(tokenResponse.id_token);
  return {
    idToken: tokenResponse.id_token,
    accessToken: tokenResponse.access_token,
    code,
    state,
    tokenResponse,
    header,
    claims,
  };
}

/**
 * client_credentials request. `target` is a startProvider() result or a token endpoint URL.
 * Defaults to the region's clientCredentials client. auth: 'basic' (default) | 'post'.
 * Resolves to the parsed JSON body (plus `status`), never throws on an OAuth error: check `.error`.
 */
export async function getClientCredentialsToken(target, {
  clientId,
  clientSecret,
  scope,
  resource,
  auth,
} = {}) {
  let tokenEndpoint;
  let c;
  if (typeof target === 'string') {
    tokenEndpoint = target;
  } else {
    tokenEndpoint = target.tokenEndpoint;
    const all = Object.values(target.clients ?? {});
    c = clientId ? all.find((x) => x.clientId === clientId) : target.clients?.clientCredentials;
  }
  clientId ??= c?.clientId;
  clientSecret ??= c?.clientSecret;
  auth ??= c?.authMethod === 'client_secret_post' ? 'post' : 'basic';
  if (!clientId || clientSecret === undefined) throw new TypeError('getClientCredentialsToken: clientId and clientSecret are required');

  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) body.set('scope', scope);
  if (resource) body.set('resource', resource);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'post') {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  } else {
    headers.authorization = basic(clientId, clientSecret);
  }
  const r = await fetch(tokenEndpoint, { method: 'POST', headers, body });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: 'invalid_response', error_description: text.slice(0, 200) };
  }
  Object.defineProperty(json, 'status', { value: r.status, enumerable: false });
  return json;
}
