// Example (pkg/README.md shows the part between the markers): an Express API on Node whose
// route needs an access token with the scope api:read. middleware.test.mjs runs it from a
// project where the packed package is installed, against a real provider.
import express from 'express';

// example:start
import { bearerToken, challenge, createRemoteJWKSet, verifyAccessTokenAsync } from 'oidc-edge';

/** Verifies the request's bearer access token; the verified token is `req.auth`. */
function requireAccessToken({ jwksUri, issuer, audience, requiredScopes }) {
  const keys = createRemoteJWKSet(jwksUri);
  return async (req, res, next) => {
    try {
      req.auth = await verifyAccessTokenAsync(bearerToken(req), keys, { issuer, audience, requiredScopes });
      next();
    } catch (e) {
      // 401 invalid_token, 403 insufficient_scope, 400 invalid_request, 503 keys unavailable;
      // anything else is rethrown (Express answers 500)
      const { status, headers, body } = challenge(e, { realm: 'api', scope: requiredScopes });
      res.status(status).set(headers).json(body);
    }
  };
}

export function createApp({ jwksUri, issuer, audience }) {
  const app = express();
  app.get('/api/hello', requireAccessToken({ jwksUri, issuer, audience, requiredScopes: ['api:read'] }), (req, res) => {
    const { sub, client_id, scope } = req.auth.payload;
    res.json({ sub, client_id, scope });
  });
  return app;
}
// example:end
