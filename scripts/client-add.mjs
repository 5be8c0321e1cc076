#!/usr/bin/env node
// Creates a client record for the token proxy and writes it to the CLIENTS KV namespace.
//
//   node scripts/client-add.mjs --primary-id ID --primary-secret S --secondary-id ID --secondary-secret S
//        [--mode concealed|passthrough] [--local | --remote] [--env production] [--persist-to DIR]
//        [--kv-json FILE] [--dev-vars FILE] [--json]
//
// Keys: CLIENT_ENC_KEY and CLIENT_HASH_KEY from the environment (or .dev.vars for --local),
// the same values as the worker's secrets. Concealed mode prints the new application id and
// secret ONCE; the secret is stored only as a keyed digest.
import { buildRecord, kvKey } from './lib/clients.mjs';
import { KV_FLAGS, KV_OPTIONS, kvGet, kvPutMany, loadKeys, parseArgs, run } from './lib/cli.mjs';

run((argv) => {
  const args = parseArgs(argv, {
    flags: [...KV_FLAGS, 'json', 'force'],
    options: [...KV_OPTIONS, 'mode', 'primary-id', 'primary-secret', 'secondary-id', 'secondary-secret', 'client-id'],
  });
  if (args.help) {
    process.stdout.write('usage: client-add.mjs --primary-id ID --primary-secret S --secondary-id ID --secondary-secret S [--mode concealed|passthrough] [--local|--remote] [--env E] [--persist-to DIR] [--kv-json FILE] [--json]\n');
    return;
  }
  const keys = loadKeys(args);
  const { record, clientId, clientSecret } = buildRecord({
    mode: args.mode ?? 'concealed',
    primary: { clientId: args['primary-id'], clientSecret: args['primary-secret'] },
    secondary: { clientId: args['secondary-id'], clientSecret: args['secondary-secret'] },
    keys,
    clientId: args['client-id'],
  });
  const key = kvKey(clientId);
  if (!args.force && record.mode === 'passthrough' && kvGet(args, key)) {
    throw new Error(`${key} exists; use client-rotate, or --force to overwrite`);
  }
  // Edge verification's index (worker/src/edge/clients.rs): region + upstream client id ->
  // application id, so a token from either region maps to this one logical client. The
  // worker trusts an entry only when the record confirms it. One wrangler call for all three.
  kvPutMany(args, [
    { key, value: record },
    ...['primary', 'secondary'].map((region) => ({ key: `upstream:${region}:${record[region].client_id}`, value: { v: 1, client: clientId } })),
  ]);
  const out = { client_id: clientId, mode: record.mode, kv_key: key };
  if (clientSecret) out.client_secret = clientSecret;
  if (args.json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(`created ${record.mode} client, KV key ${key}\n  client_id:     ${clientId}\n`);
    if (clientSecret) process.stdout.write(`  client_secret: ${clientSecret}\n  (shown once: it is stored only as a keyed digest)\n`);
  }
});
