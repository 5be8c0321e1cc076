// Workers test harness shared by the suites: a worker source bundled by wrangler as a user's
// deploy would be (`wrangler deploy --dry-run`, which picks the `workerd` export condition and
// keeps the .wasm a separate module), then run in workerd through miniflare's programmatic API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Miniflare } from 'miniflare';
import { NODE_MODULES, consumerProject } from './helpers.mjs';

const COMPATIBILITY_DATE = '2026-04-20';

/**
 * Bundles `source` as the worker of a project `name` inside the consumer project (where the
 * packed `oidc-edge` is installed); `links` are packages of this repository's node_modules the
 * worker imports too (e.g. a framework), linked into that project. Returns the bundle's folder.
 */
export function bundleWorker(name, source, { links = [] } = {}) {
  const dir = consumerProject(name, { links });
  fs.writeFileSync(path.join(dir, 'worker.mjs'), source);
  fs.writeFileSync(path.join(dir, 'wrangler.toml'), `name = "${name}"\nmain = "worker.mjs"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`);
  const dist = path.join(dir, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  execFileSync(path.join(NODE_MODULES, '.bin/wrangler'), ['deploy', '--dry-run', '--outdir', dist], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_UPDATE_NOTIFIER: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bundle = fs.readFileSync(path.join(dist, 'worker.js'), 'utf8');
  assert.match(bundle, /oidc-edge\/dist\/workerd\.mjs/, 'wrangler picked the workerd entry');
  const wasm = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, 'the .wasm stays a separate module');
  return dist;
}

/** workerd (miniflare) running the bundle in `dist` with `bindings`; `extra` adds Miniflare
 *  options (e.g. `cachePersist`). */
export async function startWorkerd(dist, bindings, extra = {}) {
  const instance = new Miniflare({
    modules: true,
    scriptPath: path.join(dist, 'worker.js'),
    modulesRoot: dist, // module names relative to the bundle (it lives outside the cwd)
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    cf: false,
    host: '127.0.0.1',
    bindings,
    ...extra,
  });
  await instance.ready;
  return instance;
}
