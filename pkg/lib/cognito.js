// Amazon Cognito user pools: the issuers and JWKS URL of a pool, computed by the core (the
// formats exist there once).

import { unwrap } from './errors.js';
import { isOptionsObject, nonEmptyString } from './options.js';

const FIELDS = ['userPoolId', 'region', 'primaryRegion'];

/**
 * `{ issuer, jwksUri }` of a user pool: `issuer` lists the regional issuer and, with
 * `primaryRegion` (a pool replicated across Regions), the multi-Region one; `jwksUri` is the
 * key set URL. A malformed Region or pool id is a TypeError.
 */
export function cognitoUserPool(ctx, pool) {
  if (!isOptionsObject(pool)) throw new TypeError('cognitoUserPool({ userPoolId, region, primaryRegion }): an object is needed');
  for (const k of Object.keys(pool)) {
    if (!FIELDS.includes(k)) throw new TypeError(`cognitoUserPool: unknown field ${JSON.stringify(k)}`);
  }
  const region = nonEmptyString('region', pool.region);
  const id = nonEmptyString('userPoolId', pool.userPoolId);
  const primary = pool.primaryRegion === undefined ? undefined : nonEmptyString('primaryRegion', pool.primaryRegion);
  const [jwksUri, ...issuer] = unwrap(ctx.glue, ctx.glue.cognitoUserPool(region, id, primary));
  return { issuer, jwksUri };
}
