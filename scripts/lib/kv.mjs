// Where the provisioning scripts read and write the CLIENTS namespace. One interface, three
// stores:
//   wranglerKv: Workers KV through wrangler (`--local` with an optional persist directory, or
//               `--remote`): the real thing; every wrangler failure is an error.
//   fileKv:     a `wrangler kv bulk put` file (--kv-json FILE), for review before uploading.
//   memoryKv:   a Map, for tests.
// Interface: async getMany(keys) -> Map(key -> string|null); async put(entries [{key, value}]);
// async delete(keys); async list(prefix) -> [keys]; `describe` names the store in messages.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINDING = 'CLIENTS';

/** A store over a Map (tests), optionally failing every operation. */
export function memoryKv(initial = {}) {
  const map = new Map(Object.entries(initial));
  const kv = {
    map,
    failing: false,
    describe: 'memory',
    check() {
      if (kv.failing) throw new Error('KV error: the store did not answer');
    },
    async getMany(keys) {
      kv.check();
      return new Map(keys.map((k) => [k, map.has(k) ? map.get(k) : null]));
    },
    async put(entries) {
      kv.check();
      for (const { key, value } of entries) map.set(key, value);
    },
    async delete(keys) {
      kv.check();
      for (const k of keys) map.delete(k);
    },
    async list(prefix) {
      kv.check();
      return [...map.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
  return kv;
}

/** A `wrangler kv bulk put` file: [{key, value}, ...]. */
export function fileKv(file) {
  const abs = path.resolve(file);
  const read = () => (fs.existsSync(abs) ? JSON.parse(fs.readFileSync(abs, 'utf8')) : []);
  const write = (list) => fs.writeFileSync(abs, JSON.stringify(list, null, 2) + '\n', { mode: 0o600 });
  return {
    describe: `file ${file}`,
    async getMany(keys) {
      const list = read();
      return new Map(keys.map((k) => [k, list.find((e) => e.key === k)?.value ?? null]));
    },
    async put(entries) {
      const keys = new Set(entries.map((e) => e.key));
      write([...read().filter((e) => !keys.has(e.key)), ...entries]);
    },
    async delete(keys) {
      const drop = new Set(keys);
      write(read().filter((e) => !drop.has(e.key)));
    },
    async list(prefix) {
      return read().map((e) => e.key).filter((k) => k.startsWith(prefix)).sort();
    },
  };
}

/** The first JSON value in wrangler's output (it may print a banner or "Success!" around it). */
function jsonIn(out, open) {
  const start = out.indexOf(open);
  const end = out.lastIndexOf(open === '{' ? '}' : ']');
  if (start < 0 || end < start) throw new Error(`wrangler printed no JSON:\n${out}`);
  return JSON.parse(out.slice(start, end + 1));
}

/**
 * Workers KV through wrangler. `target`: { local: true, persistTo? } or { remote: true };
 * `env`, `config`, `preview` as wrangler takes them.
 */
export function wranglerKv({ local, remote, persistTo, env, config, preview }) {
  if (Boolean(local) === Boolean(remote)) throw new Error('choose --local or --remote');
  const common = ['--binding', BINDING, '--config', config ?? path.join(ROOT, 'wrangler.toml'), local ? '--local' : '--remote'];
  if (preview) common.push('--preview');
  if (env) common.push('--env', env);
  if (persistTo) common.push('--persist-to', path.resolve(persistTo));
  const run = (args) => {
    const bin = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
    const r = spawnSync(bin, [...args, ...common], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error) throw new Error(`wrangler could not run (${r.error.message}); run npm ci`);
    if (r.status !== 0) throw new Error(`KV error: wrangler ${args.slice(0, 3).join(' ')} failed:\n${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  };
  // Bulk files hold secrets-derived values: a private temporary directory, removed after.
  const withFile = (content, fn) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-kv-'));
    const file = path.join(dir, 'bulk.json');
    try {
      fs.writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
      return fn(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    describe: `${local ? 'local' : 'remote'} KV${env ? ` (env ${env})` : ''}`,
    async getMany(keys) {
      if (!keys.length) return new Map();
      const got = withFile(keys, (file) => jsonIn(run(['kv', 'bulk', 'get', file]), '{'));
      return new Map(keys.map((k) => [k, got[k]?.value ?? null]));
    },
    async put(entries) {
      if (entries.length) withFile(entries, (file) => run(['kv', 'bulk', 'put', file]));
    },
    async delete(keys) {
      if (keys.length) withFile(keys, (file) => run(['kv', 'bulk', 'delete', file, '--force']));
    },
    async list(prefix) {
      return jsonIn(run(['kv', 'key', 'list', '--prefix', prefix]), '[').map((e) => e.name).sort();
    },
  };
}
