// Example (pkg/README.md shows the part between the markers): an API on `Deno.serve` whose route
// needs an access token with the scope api:read. middleware.test.mjs runs it with Deno from a
// project where the packed package is installed, against a real provider; the settings come
// from the environment and the server prints its port.

// example:start
import { bearerToken, challenge, createRemoteJWKSet, verifyAccessTokenAsync } from 'oidc-edge';

const keys = createRemoteJWKSet(Deno.env.get('JWKS_URI'));
const options = { issuer: Deno.env.get('ISSUER'), audience: Deno.env.get('AUDIENCE'), requiredScopes: ['api:read'] };

Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening ${port}`) }, async (request) => {
  if (new URL(request.url).pathname !== '/api/hello') return new Response('not found', { status: 404 });
  try {
    const { payload } = await verifyAccessTokenAsync(bearerToken(request), keys, options);
    return Response.json({ sub: payload.sub, client_id: payload.client_id, scope: payload.scope });
  } catch (e) {
    const { status, headers, body } = challenge(e, { realm: 'api', scope: options.requiredScopes });
    return Response.json(body, { status, headers });
  }
});
// example:end
