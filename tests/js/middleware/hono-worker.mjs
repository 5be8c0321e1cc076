// Example (pkg/README.md shows the part between the markers): a Cloudflare Worker with Hono
// whose route needs an access token with the scope api:read. middleware.test.mjs bundles it
// with wrangler and runs it in workerd against a real provider.

// example:start
import { Hono } from 'hono';
import { bearerToken, challenge, createRemoteJWKSet, verifyAccessTokenAsync, workersCacheStorage } from 'oidc-edge';

let keys; // per isolate; kept in the Cache API so a new isolate does not fetch them again

/** Verifies the request's bearer access token; the verified token is `c.get('auth')`. */
const requireAccessToken = (requiredScopes) => async (c, next) => {
  keys ??= createRemoteJWKSet(c.env.JWKS_URI, { storage: workersCacheStorage() });
  try {
    const options = { issuer: c.env.ISSUER, audience: c.env.AUDIENCE, requiredScopes };
    c.set('auth', await verifyAccessTokenAsync(bearerToken(c.req.raw), keys, options));
  } catch (e) {
    const { status, headers, body } = challenge(e, { realm: 'api', scope: requiredScopes });
    return c.json(body, status, headers);
  }
  await next();
};

const app = new Hono();
app.get('/api/hello', requireAccessToken(['api:read']), (c) => {
  const { sub, client_id, scope } = c.get('auth').payload;
  return c.json({ sub, client_id, scope });
});
export default app;
// example:end
