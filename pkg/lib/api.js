// The public JavaScript API of the `oidc-edge` npm package.
//
// Everything about tokens is decided by the Rust core (through the wasm-bindgen glue passed to
// `createApi`). This file only translates: it checks option *types* (a wrong type is a
// TypeError), turns `Date.now()` / `currentDate` into the `now` the core expects, performs the
// HTTP fetches the core's key cache asks for, answers the core's signature checks on the async
// path with the host's RSA (node:crypto, called synchronously from wasm, where the runtime is
// Node-compatible; WebCrypto elsewhere), and turns the core's error records into
// `OidcEdgeError` objects. No exception crosses the wasm boundary: every glue call returns a
// value or a `WasmFailure` record, and the host checker never throws.
//
// It is written once as an ES module; the build (scripts/build-pkg.sh) bundles it with the glue
// into each entry file (minified; converted to CommonJS for the `require` entry). It must not
// touch the glue at evaluation time, because the ES entries initialise the wasm module after
// importing this file.

const PROFILES = ['id_token', 'at_jwt', 'cognito_access'];

/** Option name -> normaliser. A normaliser returns the JSON-ready value or throws TypeError. */
const OPTION_NAMES = [
  'profile', 'issuer', 'clientId', 'clientIds', 'audience', 'subject', 'algorithms',
  'clockTolerance', 'maxTokenAge', 'currentDate', 'requiredClaims', 'typ', 'nonce', 'maxAge',
  'acrValues', 'accessToken', 'code', 'requireAtHash', 'requireCHash',
];
const OPTION_SET = new Set(OPTION_NAMES);
const TRUST_SET_FORBIDDEN = ['issuer', 'clientId', 'clientIds'];

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
function seconds(name, value) {
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

function nonEmptyString(name, value) {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function stringList(name, value, { single = false } = {}) {
  if (single && typeof value === 'string') return [nonEmptyString(name, value)];
  if (!Array.isArray(value)) throw new TypeError(`${name} must be ${single ? 'a string or ' : ''}an array of strings`);
  return value.map((v, i) => nonEmptyString(`${name}[${i}]`, v));
}

function bool(name, value) {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/**
 * Checks the option types and returns `{ json, currentDate }`: the options in the core's
 * (snake_case) form, serialised, plus the fixed date if one was given. Policy questions (is an
 * issuer required for this profile? is this algorithm supported?) are left to the core, which
 * answers them with a configuration error that becomes a TypeError.
 */
function normaliseOptions(options, { trustSet = false } = {}) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('options must be an object');
  }
  const out = {};
  let currentDate;
  for (const name of Object.keys(options)) {
    const value = options[name];
    if (!OPTION_SET.has(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    if (trustSet && TRUST_SET_FORBIDDEN.includes(name)) {
      throw new TypeError(`option ${name} comes from the trust set entries, not from the options`);
    }
    switch (name) {
      case 'profile':
        if (!PROFILES.includes(value)) throw new TypeError(`profile must be one of ${PROFILES.join(', ')}`);
        out.profile = value;
        break;
      case 'issuer': out.issuer = nonEmptyString(name, value); break;
      case 'clientId': out.client_ids = [nonEmptyString(name, value), ...(out.client_ids || [])]; break;
      case 'clientIds': out.client_ids = [...(out.client_ids || []), ...stringList(name, value)]; break;
      case 'audience': out.audience = stringList(name, value, { single: true }); break;
      case 'subject': out.subject = nonEmptyString(name, value); break;
      case 'algorithms': out.algorithms = stringList(name, value); break;
      case 'clockTolerance': out.clock_tolerance = seconds(name, value); break;
      case 'maxTokenAge': out.max_token_age = seconds(name, value); break;
      case 'maxAge': out.max_age = seconds(name, value); break;
      case 'currentDate':
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError('currentDate must be a valid Date');
        currentDate = value;
        break;
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
  return { json: JSON.stringify(out), currentDate };
}

function nowSeconds(currentDate) {
  return Math.floor((currentDate ? currentDate.getTime() : Date.now()) / 1000);
}

// ---- base64url and JSON of segments the core has already verified --------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

/** Reused buffer for `tokenOctets` (grows to the longest token seen). */
let octets = new Uint8Array(2048);

/** A token's UTF-8 octets for the glue, as a view of a reused buffer (valid until the next
 *  call: the glue copies it into wasm memory at once). One native encode, no allocation. */
function tokenOctets(token) {
  if (token.length * 3 > octets.length) {
    if (token.length > 32768) return textEncoder.encode(token); // far over any token limit: not kept
    octets = new Uint8Array(token.length * 3);
  }
  const { written } = textEncoder.encodeInto(token, octets);
  return octets.subarray(0, written);
}

function b64uBytes(segment) {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function b64uText(segment) {
  return utf8.decode(b64uBytes(segment));
}

/** `{ payload, protectedHeader }` of a token the core has accepted (its segments are canonical
 *  base64url of duplicate-free JSON objects, so JSON.parse reads exactly what was verified).
 *  Only used when the glue could not hand over the decoded segments itself. */
function verifiedResult(token) {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  return {
    payload: JSON.parse(b64uText(token.slice(dot1 + 1, dot2))),
    protectedHeader: JSON.parse(b64uText(token.slice(0, dot1))),
  };
}

// ---- runtime facts ------------------------------------------------------------------------

/** Workers-like runtimes forbid awaiting a promise created by another request. */
function isolatedRequests() {
  return (typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers')
    || typeof globalThis.EdgeRuntime === 'string';
}

function subtleCrypto() {
  const c = globalThis.crypto;
  return c && c.subtle && typeof c.subtle.verify === 'function' ? c.subtle : undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http to a loopback host (development and tests). */
function secureUrl(url) {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

const HOST_ALGS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512', saltLength: 64 },
};

/**
 * Builds the API over one instance of the wasm-bindgen glue (`--target web` glue for the ES
 * entries, `--target nodejs` glue for the CommonJS entry).
 */
export function createApi(glue) {
  const INNER = Symbol('oidc-edge.inner');
  const HOST = Symbol('oidc-edge.hostKeys'); // per-set cache of imported WebCrypto keys
  const NODE = Symbol('oidc-edge.nodeKeys'); // per-set cache of node:crypto KeyObjects

  class OidcEdgeError extends Error {
    constructor(message, { kind, code, claim } = {}) {
      super(message);
      this.name = 'OidcEdgeError';
      /** Stable snake_case kind, e.g. "expired" (the core's error table). */
      this.kind = kind;
      /** panva/jose error code, e.g. "ERR_JWT_EXPIRED". */
      this.code = code;
      /** Wire name of the claim or header parameter at fault, if any. */
      this.claim = claim;
    }
  }

  /** Reads a glue failure record, frees it and returns the error to throw. */
  function failure(f) {
    const kind = f.kind;
    const code = f.code;
    const claim = f.claim;
    const message = f.message;
    f.free();
    if (kind === 'config') return new TypeError(message);
    return new OidcEdgeError(message, { kind, code, claim: claim === undefined ? undefined : claim });
  }

  function adapterError(kind, message) {
    const code = kind === 'jwks_timeout' ? 'ERR_JWKS_TIMEOUT' : 'ERR_JOSE_GENERIC';
    return new OidcEdgeError(message, { kind, code });
  }

  function isFailure(v) {
    return v instanceof glue.WasmFailure;
  }

  // ---- options seen before: the normalised form and compiled verifier per options object ----

  /** options object -> { values: [[name, value, extra]], currentDate, verifier }; an entry is
   *  used only while every own property still has the same value (arrays element by element,
   *  dates by time), so a caller mutating its options object is always re-checked. */
  const seenOptions = new WeakMap();

  function sameOptions(options, values) {
    const names = Object.keys(options);
    if (names.length !== values.length) return false;
    for (let i = 0; i < values.length; i++) {
      const [name, value, extra] = values[i];
      if (names[i] !== name) return false;
      const now = options[name];
      if (now !== value) return false;
      if (extra !== undefined) {
        if (Array.isArray(value)) {
          if (value.length !== extra.length) return false;
          for (let j = 0; j < extra.length; j++) if (value[j] !== extra[j]) return false;
        } else if (value.getTime() !== extra) {
          return false;
        }
      }
    }
    return true;
  }

  /** `{ verifier, currentDate }` for the options: compiled once per options object. */
  function compiledOptions(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      const { json, currentDate } = normaliseOptions(options); // TypeError, or {} for undefined
      return { verifier: compile(json), currentDate };
    }
    const hit = seenOptions.get(options);
    if (hit && sameOptions(options, hit.values)) return hit;
    // Each property is read once; the normalised form is made from exactly these values.
    const values = Object.keys(options).map((name) => {
      const value = options[name];
      const extra = Array.isArray(value) ? [...value] : value instanceof Date ? value.getTime() : undefined;
      return [name, value, extra];
    });
    const { json, currentDate } = normaliseOptions(Object.fromEntries(values.map(([name, value]) => [name, value])));
    const entry = { verifier: compile(json), currentDate, values };
    seenOptions.set(options, entry);
    return entry;
  }

  // ---- compiled verifiers: one per distinct normalised options, small LRU ----

  const VERIFIER_CACHE_SIZE = 32;
  const verifierCache = new Map();

  function compile(json) {
    let v = verifierCache.get(json);
    if (v) {
      verifierCache.delete(json);
      verifierCache.set(json, v);
      return v;
    }
    const r = glue.WasmVerifier.create(json);
    if (isFailure(r)) throw failure(r);
    v = r;
    verifierCache.set(json, v);
    if (verifierCache.size > VERIFIER_CACHE_SIZE) {
      // Not freed here: an async verification may still hold it; the glue's
      // FinalizationRegistry frees it once unreachable.
      verifierCache.delete(verifierCache.keys().next().value);
    }
    return v;
  }

  // ---- keys ----

  class JwkSet {
    /** Parses a JWK Set object ({ keys: [...] }) once; reuse the instance for every token. */
    constructor(jwks) {
      if (jwks === null || typeof jwks !== 'object') throw new TypeError('new JwkSet(jwks): jwks must be a JWK Set object ({ keys: [...] })');
      const r = glue.WasmKeys.parse(JSON.stringify(jwks));
      if (isFailure(r)) throw failure(r);
      this[INNER] = r;
    }

    /** Parses a JWK Set from its JSON text. */
    static fromJson(text) {
      if (typeof text !== 'string') throw new TypeError('JwkSet.fromJson(text): text must be a string');
      const r = glue.WasmKeys.parse(text);
      if (isFailure(r)) throw failure(r);
      return wrapKeys(r);
    }

    /** Number of keys in the set (usable or not). */
    get size() {
      return this[INNER].size;
    }

    /** The `kid` of every key that has one. */
    get keyIds() {
      return this[INNER].keyIds();
    }
  }
  Object.defineProperty(JwkSet.prototype, Symbol.toStringTag, { value: 'JwkSet' });

  function wrapKeys(inner) {
    const set = Object.create(JwkSet.prototype);
    set[INNER] = inner;
    return set;
  }

  class TrustSet {
    constructor(entries, baseOptions) {
      this.entries = entries;
      this.baseOptions = baseOptions;
      this.compiled = new Map();
    }

    /** The issuers of the set, in order. */
    get issuers() {
      return this.entries.map((e) => e.issuer);
    }

    compile(options) {
      const merged = { ...this.baseOptions, ...(options || {}) };
      const { json, currentDate } = normaliseOptions(merged, { trustSet: true });
      let ts = this.compiled.get(json);
      if (!ts) {
        const b = new glue.WasmTrustBuilder();
        for (const e of this.entries) b.add(e.issuer, e.clientIds, e.keys[INNER]);
        const r = b.build(json);
        b.free();
        if (isFailure(r)) throw failure(r);
        ts = r;
        this.compiled.set(json, ts);
        if (this.compiled.size > 8) this.compiled.delete(this.compiled.keys().next().value);
      }
      return { ts, currentDate };
    }
  }
  Object.defineProperty(TrustSet.prototype, Symbol.toStringTag, { value: 'TrustSet' });

  function toKeySet(value, where) {
    if (value instanceof JwkSet) return value;
    if (value !== null && typeof value === 'object' && Array.isArray(value.keys)) return new JwkSet(value);
    throw new TypeError(`${where}: keys must be a JwkSet or a JWK Set object`);
  }

  /**
   * Several issuers, each with its own keys and client ids. The token's `iss` picks the entry;
   * its signature is checked with that entry's keys only. `baseOptions` holds everything but
   * issuer and client ids (profile, algorithms, clockTolerance, ...).
   */
  function createTrustSet(entries, baseOptions) {
    if (!Array.isArray(entries) || entries.length === 0) throw new TypeError('createTrustSet(entries): entries must be a non-empty array');
    const list = entries.map((e, i) => {
      if (e === null || typeof e !== 'object') throw new TypeError(`createTrustSet: entries[${i}] must be an object`);
      for (const k of Object.keys(e)) {
        if (!['issuer', 'keys', 'clientIds', 'clientId'].includes(k)) throw new TypeError(`createTrustSet: entries[${i}]: unknown field ${JSON.stringify(k)}`);
      }
      const clientIds = [];
      if (e.clientId !== undefined) clientIds.push(nonEmptyString(`entries[${i}].clientId`, e.clientId));
      if (e.clientIds !== undefined) clientIds.push(...stringList(`entries[${i}].clientIds`, e.clientIds));
      return {
        issuer: nonEmptyString(`entries[${i}].issuer`, e.issuer),
        keys: toKeySet(e.keys, `createTrustSet: entries[${i}]`),
        clientIds,
      };
    });
    // Validate the base options now (and the per-profile requirements via the core).
    const set = new TrustSet(list, baseOptions === undefined ? {} : baseOptions);
    set.compile(undefined);
    return set;
  }

  // ---- sync verification ----

  function checkToken(token) {
    if (typeof token !== 'string') throw new TypeError('token must be a string');
  }

  /** A glue verdict: the accepted token's `{"payload":..,"protectedHeader":..}` JSON text (one
   *  JSON.parse), or a failure record. */
  function accepted(r, token) {
    if (typeof r !== 'string') throw failure(r);
    return r ? JSON.parse(r) : verifiedResult(token);
  }

  function verifyCompiled(verifier, token, keys, now) {
    // UTF-8 octets: one native encode instead of the glue's per-character string copy.
    return accepted(verifier.verify(tokenOctets(token), keys[INNER], now), token);
  }

  function verifyTrust(trust, token, options) {
    const { ts, currentDate } = trust.compile(options);
    return accepted(ts.verify(token, nowSeconds(currentDate)), token);
  }

  function notKeys(where) {
    return new TypeError(`${where}: keys must be a JwkSet (new JwkSet(jwks)) or a trust set (createTrustSet([...]))`);
  }

  /**
   * Verifies an ID token (or, with `profile`, a JWT access token) synchronously with the
   * built-in RSA. Returns `{ payload, protectedHeader }` or throws `OidcEdgeError`.
   */
  function verifyIdToken(token, keys, options) {
    checkToken(token);
    if (keys instanceof JwkSet) {
      const { verifier, currentDate } = compiledOptions(options);
      return verifyCompiled(verifier, token, keys, nowSeconds(currentDate));
    }
    if (keys instanceof TrustSet) return verifyTrust(keys, token, options);
    throw notKeys('verifyIdToken');
  }

  // ---- host crypto for the async path: node:crypto (Node, Deno, Bun), else WebCrypto ----

  /** undefined: not looked up yet; null: not available; else the node:crypto module. */
  let nodeCryptoModule;

  /** node:crypto where the runtime is Node-compatible and offers `process.getBuiltinModule`
   *  (Node >= 20.16, Deno, Bun); never on Workers-like runtimes and never in browsers. Nothing is
   *  imported (a dynamic import would trip bundlers and Miniflare's module analysis). Its verify
   *  is synchronous and, with a KeyObject made once per key, several times faster than
   *  WebCrypto's. Elsewhere WebCrypto is used. */
  function loadNodeCrypto() {
    let c = null;
    try {
      const proc = globalThis.process;
      if (proc && proc.versions && typeof proc.versions.node === 'string' && !isolatedRequests()
        && typeof proc.getBuiltinModule === 'function') {
        c = proc.getBuiltinModule('node:crypto');
        if (!c || typeof c.verify !== 'function' || typeof c.createPublicKey !== 'function' || !c.constants) c = null;
      }
    } catch {
      c = null;
    }
    nodeCryptoModule = c;
    return c;
  }

  /** node:crypto digest name and PSS salt length (0: PKCS#1 v1.5) by the glue's algorithm
   *  code: RS256, RS384, RS512, PS256, PS384, PS512 = 0..5 (wasm/src/lib.rs `alg_code`). */
  const NODE_ALGS = [['sha256', 0], ['sha384', 0], ['sha512', 0], ['sha256', 32], ['sha384', 48], ['sha512', 64]];

  /** The set's checker for the glue's `verifyHost` (called synchronously from wasm): a
   *  KeyObject made once per key; answers 1 (valid), 0 (invalid) or 2 (cannot decide: the
   *  built-in RSA decides). It never throws (an exception must not unwind through wasm). */
  function nodeChecker(nc, keys) {
    let checker = keys[NODE];
    if (checker) return checker;
    const inner = keys[INNER];
    const objects = [];
    for (let i = 0; i < inner.size; i++) {
      let obj = null;
      const text = inner.publicJwk(i);
      if (text) {
        try {
          const { n, e } = JSON.parse(text);
          obj = nc.createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
        } catch {
          obj = null; // a key the host refuses: the built-in RSA decides
        }
      }
      objects.push(obj);
    }
    checker = {
      check(alg, index, data, signature) {
        try {
          const key = objects[index];
          const params = NODE_ALGS[alg];
          if (!key || !params) return 2;
          const k = params[1] ? { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: params[1] } : key;
          return nc.verify(params[0], data, k, signature) === true ? 1 : 0;
        } catch {
          return 2;
        }
      },
    };
    keys[NODE] = checker;
    return checker;
  }


  async function hostKey(subtle, keys, index, alg) {
    if (!keys[HOST]) keys[HOST] = new Map();
    const id = `${index}:${alg}`;
    let p = keys[HOST].get(id);
    if (!p) {
      const text = keys[INNER].publicJwk(index);
      if (!text) return null; // not a usable RSA key for the host: the built-in RSA decides
      const { kty, n, e } = JSON.parse(text);
      const params = HOST_ALGS[alg];
      p = subtle.importKey('jwk', { kty, n, e, ext: true }, { name: params.name, hash: params.hash }, false, ['verify'])
        .catch(() => null); // e.g. an exponent the host refuses: fall back to the built-in RSA
      keys[HOST].set(id, p);
    }
    return p;
  }

  async function verifyWithHost(verifier, token, keys, now) {
    const nc = nodeCryptoModule === undefined ? loadNodeCrypto() : nodeCryptoModule;
    // node:crypto: one synchronous wasm call that asks the host for the RSA step.
    if (nc) return accepted(verifier.verifyHost(tokenOctets(token), keys[INNER], nodeChecker(nc, keys), now), token);
    const subtle = subtleCrypto();
    if (!subtle) return verifyCompiled(verifier, token, keys, now);
    const check = verifier.begin(token, keys[INNER]);
    if (isFailure(check)) throw failure(check);
    let valid;
    if (check.memoHit) {
      check.free();
      valid = true;
    } else {
      const alg = check.alg;
      const index = check.keyIndex;
      const signature = check.signature;
      const inputLen = check.signingInputLength;
      check.free();
      // The signing input is base64url text (checked by the core): ASCII.
      const data = textEncoder.encode(token.slice(0, inputLen));
      const params = HOST_ALGS[alg];
      const key = params && await hostKey(subtle, keys, index, alg);
      if (!key) return verifyCompiled(verifier, token, keys, now);
      valid = await subtle.verify(params.saltLength ? { name: params.name, saltLength: params.saltLength } : { name: params.name }, key, signature, data);
    }
    return accepted(verifier.finish(token, keys[INNER], valid, now), token);
  }

  // ---- remote keys ----

  async function fetchLimited(fetchImpl, url, timeoutMs, maxBytes) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    try {
      const res = await fetchImpl(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: controller.signal,
      });
      if (res.status < 200 || res.status > 299) {
        try { await res.body?.cancel(); } catch { /* ignore */ }
        return { ok: false, timedOut: false, status: res.status };
      }
      const cacheControl = res.headers.get('cache-control') ?? undefined;
      const declared = Number(res.headers.get('content-length'));
      let body;
      if (Number.isFinite(declared) && declared > maxBytes) {
        try { await res.body?.cancel(); } catch { /* ignore */ }
        body = new Uint8Array(maxBytes + 1); // over the cap: the core reports it as a failed fetch
      } else if (res.body && typeof res.body.getReader === 'function') {
        const reader = res.body.getReader();
        const chunks = [];
        let total = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          total += value.byteLength;
          if (total > maxBytes) { try { await reader.cancel(); } catch { /* ignore */ } break; }
        }
        body = new Uint8Array(Math.min(total, maxBytes + 1));
        let off = 0;
        for (const c of chunks) {
          const take = Math.min(c.byteLength, body.length - off);
          body.set(c.subarray(0, take), off);
          off += take;
          if (off >= body.length) break;
        }
      } else {
        body = new Uint8Array(await res.arrayBuffer());
      }
      return { ok: true, body, cacheControl };
    } catch (e) {
      return { ok: false, timedOut, error: e };
    } finally {
      clearTimeout(timer);
    }
  }

  function durationMs(name, value, fallback) {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${name} must be a number of milliseconds >= 0`);
    return value;
  }

  function checkUrl(where, url) {
    let u;
    try { u = url instanceof URL ? new URL(url.href) : new URL(url); } catch { throw new TypeError(`${where}: not a valid URL`); }
    if (!secureUrl(u)) throw new TypeError(`${where}: the URL must use https (http only for a loopback host)`);
    return u;
  }

  const REMOTE_OPTIONS = ['timeoutDuration', 'cacheMaxAge', 'cooldownDuration', 'fetch'];

  function remoteSettings(options) {
    if (options === undefined) options = {};
    if (options === null || typeof options !== 'object') throw new TypeError('remote key set options must be an object');
    for (const k of Object.keys(options)) {
      if (!REMOTE_OPTIONS.includes(k)) throw new TypeError(`unknown remote key set option ${JSON.stringify(k)}`);
    }
    const fetchImpl = options.fetch === undefined ? globalThis.fetch : options.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch function available: pass options.fetch');
    return {
      timeoutMs: durationMs('timeoutDuration', options.timeoutDuration, 5000),
      // jose's cacheMaxAge is in ms and may be Infinity; the core counts whole seconds.
      maxAgeS: Math.min(Math.floor(durationMs('cacheMaxAge', options.cacheMaxAge, 600000) / 1000), 2 ** 32),
      cooldownS: Math.floor(durationMs('cooldownDuration', options.cooldownDuration, 30000) / 1000),
      fetchImpl,
    };
  }

  class RemoteJWKSet {
    constructor(url, settings, meta) {
      this.url = url.href;
      this.issuer = meta?.issuer;
      this.metadata = meta?.metadata;
      this.settings = settings;
      this.cache = new glue.WasmKeyCache(settings.maxAgeS, settings.cooldownS, settings.timeoutMs);
      this.generation = -1;
      this.keys = undefined;
      this.inflight = undefined;
    }

    /** Fetches once and reports the outcome to the core's cache. */
    async fetchOnce() {
      const { fetchImpl, timeoutMs } = this.settings;
      const r = await fetchLimited(fetchImpl, this.url, timeoutMs, this.cache.maxResponseBytes);
      const now = nowSeconds();
      if (r.ok) {
        const f = this.cache.onFetchOk(now, r.body, r.cacheControl);
        if (f !== undefined) f.free(); // counted as a failed fetch by the cache; usable() reports
      } else {
        this.cache.onFetchError(now, r.timedOut);
      }
    }

    /** A fetch, shared by concurrent callers except where requests must stay isolated. */
    refresh() {
      if (isolatedRequests()) return this.fetchOnce();
      if (!this.inflight) {
        this.inflight = this.fetchOnce().finally(() => { this.inflight = undefined; });
      }
      return this.inflight;
    }

    /** Forces a fetch now (regardless of freshness and cooldown). */
    async reload() {
      await this.refresh();
      const f = this.cache.usable(nowSeconds());
      if (f !== undefined) throw failure(f);
    }

    /** The key set to verify `token` with, fetching first when the cache policy says so. */
    async keysFor(token) {
      const kid = glue.tokenKeyId(token);
      if (this.cache.decide(nowSeconds(), kid)) await this.refresh();
      const f = this.cache.usable(nowSeconds());
      if (f !== undefined) throw failure(f);
      const gen = this.cache.generation;
      if (gen !== this.generation || !this.keys) {
        this.keys = wrapKeys(this.cache.snapshot());
        this.generation = gen;
      }
      return this.keys;
    }

    /** Whether a fresh (not expired) set is cached. */
    get fresh() {
      return this.cache.isFresh(nowSeconds());
    }
  }
  Object.defineProperty(RemoteJWKSet.prototype, Symbol.toStringTag, { value: 'RemoteJWKSet' });

  /**
   * A remote JWK Set (jose's option names, durations in milliseconds): `timeoutDuration`
   * (default 5000), `cacheMaxAge` (default 600000; a server's Cache-Control max-age wins,
   * clamped to 30 s..24 h), `cooldownDuration` (default 30000), `fetch` (a fetch to use).
   */
  function createRemoteJWKSet(url, options) {
    const u = checkUrl('createRemoteJWKSet', url);
    return new RemoteJWKSet(u, remoteSettings(options));
  }

  /**
   * OpenID Connect Discovery: fetches `<issuer>/.well-known/openid-configuration`, requires its
   * `issuer` to equal the given one exactly, and returns a remote key set for its `jwks_uri`
   * carrying `.issuer` and `.metadata`. Used as keys, it supplies `issuer` when the options omit it.
   */
  async function discover(issuer, options) {
    nonEmptyString('issuer', issuer);
    const base = checkUrl('discover', issuer);
    const settings = remoteSettings(options);
    const configUrl = `${base.href.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const r = await fetchLimited(settings.fetchImpl, configUrl, settings.timeoutMs, 64 * 1024);
    if (!r.ok) {
      if (r.timedOut) throw adapterError('jwks_timeout', 'fetching the discovery document timed out');
      throw adapterError('jwks_unavailable', r.status ? `discovery document: HTTP ${r.status}` : 'discovery document: fetch failed');
    }
    if (r.body.length > 64 * 1024) throw adapterError('jwks_unavailable', 'discovery document is larger than 64 KiB');
    let doc;
    try { doc = JSON.parse(utf8.decode(r.body)); } catch { doc = undefined; }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw adapterError('jwks_unavailable', 'discovery document is not a JSON object');
    if (doc.issuer !== issuer) throw adapterError('jwks_unavailable', 'discovery document issuer differs from the configured issuer');
    if (typeof doc.jwks_uri !== 'string') throw adapterError('jwks_unavailable', 'discovery document has no jwks_uri');
    let jwksUrl;
    try { jwksUrl = new URL(doc.jwks_uri); } catch { throw adapterError('jwks_unavailable', 'discovery document jwks_uri is not a URL'); }
    if (!secureUrl(jwksUrl)) throw adapterError('jwks_unavailable', 'discovery document jwks_uri is not https');
    return new RemoteJWKSet(jwksUrl, settings, { issuer, metadata: doc });
  }

  // ---- async verification ----

  /** Keys errors that only mean "this empty set has no key": the token got past steps 1-2. */
  const KEY_STEP_KINDS = new Set(['key_not_found', 'key_ambiguous', 'key_unusable', 'key_too_weak']);
  let emptyKeys;

  /** Steps 1-2 (structure, alg, crit, typ) before any fetch, so a malformed token never
   *  triggers network traffic. */
  function precheck(verifier, token) {
    if (!emptyKeys) emptyKeys = JwkSet.fromJson('{"keys":[]}');
    const r = verifier.begin(token, emptyKeys[INNER]);
    if (isFailure(r)) {
      const err = failure(r);
      if (err instanceof TypeError || !KEY_STEP_KINDS.has(err.kind)) throw err;
    } else {
      r.free();
    }
  }

  async function verifyAsyncWith(verifier, currentDate, token, keys) {
    const now = () => nowSeconds(currentDate);
    if (keys instanceof JwkSet) return verifyWithHost(verifier, token, keys, now());
    precheck(verifier, token);
    const set = await keys.keysFor(token);
    return verifyWithHost(verifier, token, set, now());
  }

  /**
   * Verifies with local keys, a trust set, or a remote key set (`createRemoteJWKSet` /
   * `discover`), using WebCrypto for the RSA check where the runtime has it.
   */
  async function verifyIdTokenAsync(token, keys, options) {
    checkToken(token);
    if (keys instanceof TrustSet) return verifyTrust(keys, token, options);
    if (!(keys instanceof JwkSet) && !(keys instanceof RemoteJWKSet)) {
      throw new TypeError('verifyIdTokenAsync: keys must be a JwkSet, a trust set, or a remote key set (createRemoteJWKSet / discover)');
    }
    let opts = options;
    if (keys instanceof RemoteJWKSet && keys.issuer !== undefined) {
      if (opts === undefined) opts = {};
      if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError('options must be an object');
      if (opts.issuer === undefined) opts = { ...opts, issuer: keys.issuer };
      else if (opts.issuer !== keys.issuer) throw new TypeError('options.issuer differs from the discovered issuer');
    }
    const { verifier, currentDate } = compiledOptions(opts);
    return verifyAsyncWith(verifier, currentDate, token, keys);
  }

  /**
   * A reusable verifier with fixed options (checked once, now): `.verify(token, keys)` and
   * `.verifyAsync(token, keysOrRemote)`.
   */
  function createVerifier(options) {
    const { json, currentDate } = normaliseOptions(options);
    const verifier = glue.WasmVerifier.create(json);
    if (isFailure(verifier)) throw failure(verifier);
    const discoveredIssuer = options?.issuer;
    return Object.freeze({
      verify(token, keys) {
        checkToken(token);
        if (keys instanceof JwkSet) return verifyCompiled(verifier, token, keys, nowSeconds(currentDate));
        if (keys instanceof TrustSet) throw new TypeError('createVerifier(...).verify: use verifyIdToken(token, trustSet, options) for a trust set');
        throw notKeys('verify');
      },
      async verifyAsync(token, keys) {
        checkToken(token);
        if (keys instanceof JwkSet) return verifyWithHost(verifier, token, keys, nowSeconds(currentDate));
        if (keys instanceof RemoteJWKSet) {
          if (keys.issuer !== undefined && discoveredIssuer !== keys.issuer) throw new TypeError('options.issuer differs from the discovered issuer');
          precheck(verifier, token);
          const set = await keys.keysFor(token);
          return verifyWithHost(verifier, token, set, nowSeconds(currentDate));
        }
        throw new TypeError('verifyAsync: keys must be a JwkSet or a remote key set');
      },
    });
  }

  // ---- untrusted display ----

  /**
   * Decodes a token WITHOUT verifying anything, for display and debugging. The result is
   * labelled `trusted: false`; never make a decision from it.
   */
  function inspect(token) {
    checkToken(token);
    const parts = token.split('.');
    if (parts.length !== 3) throw new OidcEdgeError('token is not a compact JWS (three segments)', { kind: 'malformed', code: 'ERR_JWS_INVALID' });
    let header;
    try { header = JSON.parse(b64uText(parts[0])); } catch { header = undefined; }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) {
      throw new OidcEdgeError('token header is not base64url JSON object', { kind: 'malformed', code: 'ERR_JWS_INVALID' });
    }
    let payloadText;
    try { payloadText = b64uText(parts[1]); } catch {
      throw new OidcEdgeError('token payload is not base64url UTF-8', { kind: 'malformed', code: 'ERR_JWT_INVALID' });
    }
    let payload;
    try { payload = JSON.parse(payloadText); } catch { payload = undefined; }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) payload = undefined;
    let signatureLength;
    try { signatureLength = b64uBytes(parts[2]).length; } catch { signatureLength = 0; }
    return Object.freeze({ trusted: false, header, payload, payloadText, signatureLength });
  }

  const api = {
    OidcEdgeError,
    JwkSet,
    verifyIdToken,
    verifyIdTokenAsync,
    createVerifier,
    createTrustSet,
    createRemoteJWKSet,
    discover,
    inspect,
  };
  // The shipped entries are minified (scripts/build-pkg.sh), which renames functions and
  // classes; their `name` stays what this file calls them.
  for (const [name, value] of Object.entries({ ...api, TrustSet, RemoteJWKSet })) {
    if (value.name !== name) Object.defineProperty(value, 'name', { value: name });
  }
  return api;
}

