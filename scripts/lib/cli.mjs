// The command-line plumbing shared by scripts/client-*.mjs: Node's own argument parser with
// the options every command takes, the explicit choice of store, secrets from the environment
// or a file (never from arguments), and the report of what changed.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileKv, ROOT, wranglerKv } from './kv.mjs';
import { decodeKey, keyring, parseDevVars } from './records.mjs';

/** Options of every command: where the records are, where the secrets are, how to report. */
const COMMON = {
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  'kv-json': { type: 'string' },
  'persist-to': { type: 'string' },
  env: { type: 'string' },
  config: { type: 'string' },
  preview: { type: 'boolean' },
  'secrets-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const STORE_HELP = `
Where the records are (exactly one):
  --local [--persist-to DIR]   wrangler's local KV (what \`wrangler dev\` reads)
  --remote                     the deployed namespace (with --env production for that environment)
  --kv-json FILE               a \`wrangler kv bulk put\` file, to review before uploading
Other options: --env NAME, --config wrangler.toml, --preview, --json (one JSON object on stdout).
Secrets come from the environment, or from --secrets-file FILE (KEY=value lines; - reads stdin),
never from arguments. With --local and no --secrets-file, .dev.vars supplies missing keys.
`;

/**
 * Parses argv. `options` are the command's own (util.parseArgs format). A secret given as an
 * argument, a missing or ambiguous store, or an unknown option is an error.
 */
export function commandLine(argv, { options = {}, usage, positionals = false }) {
  const secretArg = argv.find((a) => /^--[a-z-]*secret[a-z-]*(=|$)/.test(a) && !a.startsWith('--secrets-file'));
  if (secretArg) {
    throw new Error(`${secretArg.split('=')[0]}: secrets are never taken as arguments (they would stay in the shell history and the process list); `
      + 'set them in the environment or in --secrets-file');
  }
  const { values, positionals: rest } = parseArgs({ args: argv, options: { ...COMMON, ...options }, strict: true, allowPositionals: positionals });
  if (values.help) {
    process.stdout.write(`${usage.trim()}\n${STORE_HELP}`);
    process.exit(0);
  }
  const stores = ['local', 'remote', 'kv-json'].filter((s) => values[s]);
  if (stores.length !== 1) {
    throw new Error(stores.length ? `choose one of --${stores.join(', --')}` : 'choose where the records are: --local, --remote or --kv-json FILE (there is no default)');
  }
  if (values['persist-to'] && !values.local) throw new Error('--persist-to goes with --local');
  return { values, positionals: rest };
}

/** The store the options name. */
export function openKv(values) {
  if (values['kv-json']) return fileKv(values['kv-json']);
  return wranglerKv({
    local: values.local,
    remote: values.remote,
    persistTo: values['persist-to'],
    env: values.env,
    config: values.config,
    preview: values.preview,
  });
}

let stdinText;
/**
 * A secret by name: the environment first, then --secrets-file (`-`: stdin); with --local and
 * no --secrets-file, `.dev.vars` (only for the worker's own keys, `fallback`).
 */
export function secret(values, name, { fallback = false } = {}) {
  if (process.env[name]) return process.env[name];
  const file = values['secrets-file'];
  if (file) {
    if (file === '-') stdinText ??= fs.readFileSync(0, 'utf8');
    return parseDevVars(file === '-' ? stdinText : fs.readFileSync(file, 'utf8'))[name] || undefined;
  }
  const devVars = path.join(ROOT, '.dev.vars');
  if (fallback && values.local && fs.existsSync(devVars)) return parseDevVars(fs.readFileSync(devVars, 'utf8'))[name] || undefined;
  return undefined;
}

/** A required secret. */
export function requireSecret(values, name, why) {
  const v = secret(values, name);
  if (!v) throw new Error(`${name} is not set (${why}): set it in the environment or in --secrets-file`);
  return v;
}

/** The worker's record keys, as keyrings (current and, when set, previous). */
export function loadKeys(values) {
  const get = (name) => secret(values, name, { fallback: true });
  const opt = (name, o) => (get(name) ? decodeKey(get(name), name, o) : undefined);
  return {
    enc: keyring(decodeKey(get('CLIENT_ENC_KEY'), 'CLIENT_ENC_KEY', { exact: 32 }), opt('CLIENT_ENC_KEY_PREVIOUS', { exact: 32 })),
    hash: keyring(decodeKey(get('CLIENT_HASH_KEY'), 'CLIENT_HASH_KEY'), opt('CLIENT_HASH_KEY_PREVIOUS')),
  };
}

/** Prints what changed (one line per KV key), or the JSON result with --json. */
export function report(values, kvDescribe, result, extra = []) {
  if (values.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const lines = [`${kvDescribe}:`];
  for (const c of result.changes) lines.push(`  ${c.action.padEnd(9)} ${c.key}${c.detail ? `  (${c.detail})` : ''}`);
  process.stdout.write([...lines, ...extra].join('\n') + '\n');
}

/** Runs a command: any error is one line on stderr and exit status 1. */
export async function main(fn) {
  try {
    await fn(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
}
