// Shared command-line plumbing of scripts/client-*.mjs: arguments, keys, and KV through wrangler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKey, parseDevVars } from './clients.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINDING = 'CLIENTS';

/** --name value / --flag parsing; repeated names are an error. */
export function parseArgs(argv, { flags = [], options = [] }) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (name in out) throw new Error(`--${name} given twice`);
    if (flags.includes(name)) out[name] = true;
    else if (options.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      out[name] = v;
    } else throw new Error(`unknown option --${name}`);
  }
  return out;
}

export const KV_FLAGS = ['local', 'remote', 'preview', 'help'];
export const KV_OPTIONS = ['persist-to', 'env', 'config', 'dev-vars', 'kv-json'];

/**
 * The keys: CLIENT_ENC_KEY / CLIENT_HASH_KEY from the environment, else from --dev-vars FILE
 * (default: .dev.vars at the repository root, for local development).
 */
export function loadKeys(args) {
  const fromEnv = (name) => (process.env[name] ? process.env[name] : undefined);
  let enc = fromEnv('CLIENT_ENC_KEY');
  let hash = fromEnv('CLIENT_HASH_KEY');
  const file = args['dev-vars'] ?? (args.remote ? undefined : path.join(ROOT, '.dev.vars'));
  if ((!enc || !hash) && file && fs.existsSync(file)) {
    const vars = parseDevVars(fs.readFileSync(file, 'utf8'));
    enc ??= vars.CLIENT_ENC_KEY;
    hash ??= vars.CLIENT_HASH_KEY;
  }
  return {
    enc: decodeKey(enc, 'CLIENT_ENC_KEY', { exact: 32 }),
    hash: decodeKey(hash, 'CLIENT_HASH_KEY'),
  };
}

function wranglerArgs(args) {
  const out = ['--binding', BINDING, '--config', args.config ?? path.join(ROOT, 'wrangler.toml')];
  if (args.remote && args.local) throw new Error('--local or --remote, not both');
  out.push(args.remote ? '--remote' : '--local');
  if (args.preview) out.push('--preview');
  if (args.env) out.push('--env', args.env);
  if (args['persist-to']) out.push('--persist-to', path.resolve(args['persist-to']));
  return out;
}

function wrangler(argv) {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
  const r = spawnSync(fs.existsSync(bin) ? bin : 'npx', fs.existsSync(bin) ? argv : ['wrangler', ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`wrangler ${argv.slice(0, 3).join(' ')} failed:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Writes entries ([{key, value}], values JSON-serialised) in one go: one `wrangler kv bulk put`
 * (one wrangler start, a few seconds), or, with --kv-json FILE, merged into that bulk file.
 */
export function kvPutMany(args, entries) {
  const list = entries.map(({ key, value }) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
  if (args['kv-json']) {
    const file = path.resolve(args['kv-json']);
    const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    const keys = new Set(list.map((e) => e.key));
    fs.writeFileSync(file, JSON.stringify([...existing.filter((e) => !keys.has(e.key)), ...list], null, 2) + '\n', { mode: 0o600 });
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-kv-'));
  const file = path.join(dir, 'bulk.json');
  try {
    fs.writeFileSync(file, JSON.stringify(list), { mode: 0o600 });
    wrangler(['kv', 'bulk', 'put', file, ...wranglerArgs(args)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes one record. */
export function kvPut(args, key, record) {
  kvPutMany(args, [{ key, value: record }]);
}

/** Reads a record; null when absent. */
export function kvGet(args, key) {
  if (args['kv-json']) {
    const file = path.resolve(args['kv-json']);
    const list = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    const e = list.find((x) => x.key === key);
    return e ? JSON.parse(e.value) : null;
  }
  const bin = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
  const argv = ['kv', 'key', 'get', key, '--text', ...wranglerArgs(args)];
  const r = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  const out = (r.stdout || '').trim();
  if (r.status !== 0 || out === '' || out === 'Value not found') return null;
  const start = out.indexOf('{');
  return start < 0 ? null : JSON.parse(out.slice(start));
}

/** Deletes a record. */
export function kvDelete(args, key) {
  if (args['kv-json']) {
    const file = path.resolve(args['kv-json']);
    const list = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    fs.writeFileSync(file, JSON.stringify(list.filter((e) => e.key !== key), null, 2) + '\n', { mode: 0o600 });
    return;
  }
  wrangler(['kv', 'key', 'delete', key, ...wranglerArgs(args)]);
}

export function run(main) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
}
