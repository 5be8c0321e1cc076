// The configuration of every environment of wrangler.toml, as wrangler resolves it (its own
// reader, so what is and is not inherited is wrangler's call): the build, observability, the
// KV binding, routes for every public path in production, a dry-run deploy, and the variables
// accepted by the worker's own validation (the built worker started with them).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { experimental_readRawConfig as readRaw, unstable_readConfig as readConfig } from 'wrangler';
import { ROOT, newSecrets, startWorker, tmpdir, workerBuilt } from '../support/harness.mjs';

const run = promisify(execFile);
const T = { timeout: 180_000 };
const CONFIG = path.join(ROOT, 'wrangler.toml');
/** Every path the worker answers besides the protected prefix (worker/src/routes.rs). */
const PUBLIC_PATHS = ['/oauth2/token', '/healthz', '/fleet/revoke', '/verify', '/.well-known/jwks/primary.json', '/.well-known/jwks/secondary.json'];

const raw = readRaw({ config: CONFIG }).rawConfig;
const environments = [undefined, ...Object.keys(raw.env ?? {})];
const dir = tmpdir('oidc-edge-config-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Whether a route pattern (`host/path*` or a custom domain) sends `p` to the worker. */
function covers(route, p) {
  if (route.custom_domain) return true;
  const pattern = typeof route === 'string' ? route : route.pattern;
  const pathPart = pattern.slice(pattern.indexOf('/'));
  return pathPart.endsWith('*') ? p.startsWith(pathPart.slice(0, -1)) : p === pathPart;
}

for (const env of environments) {
  const name = env ?? 'top level (local development)';
  describe(`wrangler.toml: ${name}`, () => {
    const c = readConfig({ config: CONFIG, env });

    test('one build for everything, watching the worker and the core crate; observability on; KV bound', () => {
      assert.equal(c.build.command, 'bash scripts/build-worker.sh');
      assert.deepEqual([...c.build.watch_dir].map((d) => path.relative(ROOT, path.resolve(ROOT, d))).sort(), ['src', 'worker/src']);
      assert.equal(path.relative(ROOT, c.main), 'worker/build/index.js');
      assert.equal(c.observability?.enabled, true);
      assert.ok(c.kv_namespaces.some((k) => k.binding === 'CLIENTS' && k.id));
      assert.equal(c.workers_dev, false);
    });

    test('fleet health: the Durable Object bound, its class migrated, a heartbeat at most once a minute', () => {
      assert.ok(c.durable_objects.bindings.some((b) => b.name === 'FLEET_HEALTH' && b.class_name === 'FleetHealth' && !b.script_name));
      assert.ok(c.migrations.some((m) => (m.new_sqlite_classes ?? []).includes('FleetHealth')));
      assert.equal(c.triggers.crons.length, 1);
      const [minute] = c.triggers.crons[0].split(' ');
      assert.match(minute, /^(\*|\d+|\*\/\d+)$/, 'a minute field that fires at most every minute');
    });

    if (env === 'production') {
      test('its own name, and routes for every public path and the protected prefix', () => {
        assert.equal(c.name, 'oidc-edge-worker');
        assert.notEqual(c.name, readConfig({ config: CONFIG }).name, 'local development has its own name');
        const prefix = c.vars.PROTECT_PREFIX || '/api/';
        for (const p of [...PUBLIC_PATHS, `${prefix}x`]) {
          assert.ok(c.routes.some((r) => covers(r, p)), `no route sends ${p} to the worker`);
        }
        for (const rl of ['CLIENT_RATE_LIMITER', 'AUTH_FAILURE_LIMITER']) assert.ok(c.ratelimits.some((r) => r.name === rl), rl);
      });
    }

    test('wrangler deploy --dry-run builds and bundles it', T, async () => {
      const out = path.join(dir, env ?? 'top');
      const args = ['deploy', '--dry-run', '--outdir', out, '--config', CONFIG];
      if (env) args.push('--env', env);
      await run(path.join(ROOT, 'node_modules', '.bin', 'wrangler'), args, { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
      assert.ok(fs.statSync(path.join(out, 'index.js')).size > 0);
      assert.ok(fs.readdirSync(out).some((f) => f.endsWith('.wasm')));
    });

    test('the worker accepts its variables (with its secrets set)', { ...T, skip: !workerBuilt() && 'worker not built' }, async () => {
      const secrets = newSecrets();
      const w = await startWorker({ vars: c.vars, secrets });
      try {
        const r = await w.health(secrets.HEALTH_TOKEN);
        assert.equal(r.status, 200, JSON.stringify(r.json?.config?.problems));
        assert.equal(r.json.config.ok, true);
        assert.equal(r.json.config.edge === null, !c.vars.REGION_MODE, 'edge verification on exactly when configured');
      } finally {
        await w.close();
      }
    });
  });
}
