// "Sign in" on the demo page: the authorization code flow with PKCE (OpenID Connect Core 1.0
// section 3.1, RFC 7636) as a public client. The page sends the browser to the provider's
// authorization endpoint, gets it back here with `code` and `state`, and exchanges the code at
// the token endpoint; app.js then verifies the ID token (nonce, at_hash, every check) like a
// pasted one. Only the request's secrets (state, nonce, PKCE verifier) wait in sessionStorage,
// for this tab, and are removed when the browser comes back.
import { discover } from 'oidc-edge';

const PENDING = 'oidc-edge-signin';

const b64u = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (octets) => b64u(crypto.getRandomValues(new Uint8Array(octets)));

/** This page's address, without query or fragment: the redirect URI to register. */
export function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

/** Starts the flow: discovery (its issuer must be `issuer`), then off to the provider. */
export async function signIn({ issuer, clientId, scope }) {
  const op = await discover(issuer);
  const verifier = random(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const pending = {
    issuer,
    clientId,
    state: random(16),
    nonce: random(16),
    verifier,
    redirectUri: redirectUri(),
    tokenEndpoint: op.metadata.token_endpoint,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(op.metadata.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: pending.redirectUri,
    scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: b64u(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  })) url.searchParams.set(k, v);
  location.assign(url.href);
}

/**
 * Completes the flow when this page load is the redirect back (`code` or `error`, and `state`
 * in the query): checks `state` (and `iss`, RFC 9207, when sent), exchanges the code with the
 * PKCE verifier, and returns `{ issuer, clientId, nonce, idToken, accessToken, steps }`;
 * undefined on an ordinary page load. Throws with a readable message when something is wrong.
 */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  // The code is single use and must not linger in the address bar or the history.
  history.replaceState(null, '', redirectUri());
  if (!pending) throw new Error('the provider sent the browser back, but this tab started no sign-in');
  if (params.get('state') !== pending.state) throw new Error('state does not match the request: the response is not for this sign-in');
  const steps = [`authorization response: state matched${params.has('iss') ? ', iss matched' : ''}`];
  if (params.has('error')) throw new Error(`the provider refused: ${params.get('error')} ${params.get('error_description') ?? ''}`.trim());
  if (params.has('iss') && params.get('iss') !== pending.issuer) throw new Error('iss of the authorization response is not the issuer (RFC 9207 mix-up defence)');
  const res = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }),
  });
  let body;
  try { body = await res.json(); } catch { body = {}; }
  if (!res.ok) throw new Error(`token request: HTTP ${res.status} ${body.error ?? ''}`.trim());
  if (typeof body.id_token !== 'string') throw new Error('the token response has no id_token');
  steps.push(`token request with the PKCE verifier: ${['id_token', 'access_token', 'refresh_token'].filter((k) => body[k]).join(', ')} (token_type ${body.token_type})`);
  return {
    issuer: pending.issuer,
    clientId: pending.clientId,
    nonce: pending.nonce,
    idToken: body.id_token,
    accessToken: typeof body.access_token === 'string' ? body.access_token : undefined,
    steps,
  };
}
