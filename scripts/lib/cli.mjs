// Shared command-line plumbing of scripts/client-*.mjs: arguments, keys, and KV through wrangler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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
  let vars = { ...process.env };
  const file = args['dev-vars'] ?? (args.remote ? undefined : path.join(ROOT, '.dev.vars'));
  if ((!vars.CLIENT_ENC_KEY || !vars.CLIENT_HASH_KEY) && file && fs.existsSync(file)) {
    vars = { ...parseDevVars(fs.readFileSync(file, 'utf8')), ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CLIENT_'))) };
  }
  return {
    enc: decodeKey(vars.CLIENT_ENC_KEY, 'CLIENT_ENC_KEY', { exact: 32 }),
    hash: decodeKey(vars.CLIENT_HASH_KEY, 'CLIENT_HASH_KEY'),
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

/** Writes a record (or, with --kv-json FILE, appends it to a `wrangler kv bulk put` file). */
export function kvPut(args, key, record) {
  const value = JSON.stringify(record);
  if (args['kv-json']) {
    const file = path.resolve(args['kv-json']);
    const list = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    const rest = list.filter((e) => e.key !== key);
    rest.push({ key, value });
    fs.writeFileSync(file, JSON.stringify(rest, null, 2) + '\n', { mode: 0o600 });
    return;
  }
  wrangler(['kv', 'key', 'put', key, value, ...wranglerArgs(args)]);
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
