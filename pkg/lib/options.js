// Verification options: type checks (a wrong type or an unknown name is a TypeError) and the
// translation of jose's camelCase names into the core's snake_case JSON. Policy questions (is an
// issuer required for this profile? is this algorithm supported?) are the core's; it answers
// them with a configuration error that becomes a TypeError too.

const PROFILES = ['id_token', 'jwt', 'at_jwt', 'cognito_access'];

const OPTION_NAMES = new Set([
  'profile', 'issuer', 'allowedTenants', 'anyTenant', 'clientId', 'clientIds', 'audience',
  'subject', 'algorithms', 'clockTolerance', 'maxTokenAge', 'currentDate', 'requiredClaims',
  'typ', 'nonce', 'maxAge', 'acrValues', 'accessToken', 'code', 'requireAtHash', 'requireCHash',
  'requiredScopes', 'requiredRoles',
]);
/** Options a trust set takes from its entries instead. */
const TRUST_SET_FORBIDDEN = ['issuer', 'clientId', 'clientIds', 'allowedTenants', 'anyTenant'];

const SPAN_UNITS = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, yr: 31557600, yrs: 31557600, year: 31557600, years: 31557600,
};
const SPAN_RE = /^(\d+(?:\.\d+)?) ?([a-z]+)$/i;

/** Seconds from a number of seconds or a jose-style span ("30s", "5 minutes", "2h"). */
export function seconds(name, value) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a finite number of seconds >= 0`);
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const m = SPAN_RE.exec(value.trim());
    const unit = m && SPAN_UNITS[m[2].toLowerCase()];
    if (!unit) throw new TypeError(`${name}: unrecognised time span ${JSON.stringify(value)} (use seconds or e.g. "30s", "5 minutes", "2h")`);
    return Math.round(Number(m[1]) * unit);
  }
  throw new TypeError(`${name} must be a number of seconds or a time span string`);
}

/** The value, when it is a non-empty string; else a TypeError naming the argument. */
export function nonEmptyString(name, value) {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/** A list of non-empty strings (with `single`, a lone string is a list of one). */
export function stringList(name, value, { single = false } = {}) {
  if (single && typeof value === 'string') return [nonEmptyString(name, value)];
  if (!Array.isArray(value)) throw new TypeError(`${name} must be ${single ? 'a string or ' : ''}an array of strings`);
  return value.map((v, i) => nonEmptyString(`${name}[${i}]`, v));
}

function bool(name, value) {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** Whether `value` can be an options object (not null, not an array). */
export function isOptionsObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Scopes: a list, or one string of space-separated scopes (the `scope` claim's syntax). */
function scopeList(name, value) {
  if (typeof value === 'string') return stringList(name, value.split(' ').filter((s) => s !== ''));
  return stringList(name, value);
}

/**
 * Checks the option types and returns `{ json, currentDate }`: the options in the core's
 * (snake_case) form, serialised, plus the fixed date if one was given. `profile` is the
 * default profile of the call (the options' own `profile` wins); `dpopJkt`, the thumbprint of
 * the request's verified DPoP proof (`dpop.js`).
 */
export function normaliseOptions(options, { trustSet = false, profile, dpopJkt } = {}) {
  if (options === undefined) options = {};
  if (!isOptionsObject(options)) throw new TypeError('options must be an object');
  const out = profile ? { profile } : {};
  let currentDate;
  for (const name of Object.keys(options)) {
    const value = options[name];
    if (name === 'dpop') throw new TypeError('option dpop belongs to verifyAccessToken / verifyAccessTokenAsync calls');
    if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    if (trustSet && TRUST_SET_FORBIDDEN.includes(name)) {
      throw new TypeError(`option ${name} comes from the trust set entries, not from the options`);
    }
    switch (name) {
      case 'profile':
        if (!PROFILES.includes(value)) throw new TypeError(`profile must be one of ${PROFILES.join(', ')}`);
        out.profile = value;
        break;
      case 'issuer': out.issuer = stringList(name, value, { single: true }); break;
      case 'allowedTenants': out.allowed_tenants = stringList(name, value); break;
      case 'anyTenant': out.any_tenant = bool(name, value); break;
      case 'requiredScopes': out.required_scopes = scopeList(name, value); break;
      case 'requiredRoles': out.required_roles = stringList(name, value, { single: true }); break;
      case 'clientId': out.client_ids = [nonEmptyString(name, value), ...(out.client_ids || [])]; break;
      case 'clientIds': out.client_ids = [...(out.client_ids || []), ...stringList(name, value)]; break;
      case 'audience': out.audience = stringList(name, value, { single: true }); break;
      case 'subject': out.subject = nonEmptyString(name, value); break;
      case 'algorithms': out.algorithms = stringList(name, value); break;
      case 'clockTolerance': out.clock_tolerance = seconds(name, value); break;
      case 'maxTokenAge': out.max_token_age = seconds(name, value); break;
      case 'maxAge': out.max_age = seconds(name, value); break;
      case 'currentDate': currentDate = validDate(value); break;
      case 'requiredClaims': out.required_claims = stringList(name, value); break;
      case 'typ': out.typ = nonEmptyString(name, value); break;
      case 'nonce': out.nonce = nonEmptyString(name, value); break;
      case 'acrValues': out.acr_values = stringList(name, value, { single: true }); break;
      case 'accessToken': out.access_token = nonEmptyString(name, value); break;
      case 'code': out.code = nonEmptyString(name, value); break;
      case 'requireAtHash': out.require_at_hash = bool(name, value); break;
      case 'requireCHash': out.require_c_hash = bool(name, value); break;
      default: throw new TypeError(`unknown option ${JSON.stringify(name)}`);
    }
  }
  if (out.client_ids) out.client_ids = [...new Set(out.client_ids)];
  if (dpopJkt !== undefined) out.dpop_jkt = dpopJkt;
  return { json: JSON.stringify(out), currentDate };
}

/** The value, when it is a valid Date; else a TypeError. */
export function validDate(value) {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError('currentDate must be a valid Date');
  return value;
}

/** The `now` the core expects: whole Unix seconds of `currentDate`, else of the clock. */
export function nowSeconds(currentDate) {
  return Math.floor((currentDate ? currentDate.getTime() : Date.now()) / 1000);
}

/** Every verify call's first check: a token is a string. */
export function checkToken(token) {
  if (typeof token !== 'string') throw new TypeError('token must be a string');
}
