#!/usr/bin/env node
// Rotates a client's secret in two steps; both secrets work in between.
//
//   node scripts/client-rotate.mjs --client-id ID (--local | --remote | --kv-json FILE)           # concealed: a new secret, printed once
//   NEW_PRIMARY_CLIENT_SECRET=... node scripts/client-rotate.mjs --client-id ID ...                # pass-through: the primary secret changed
//   node scripts/client-rotate.mjs --client-id ID --finish ...                                     # only the newest secret works from now on
import { commandLine, loadKeys, main, openKv, report, secret } from './lib/cli.mjs';
import { finishRotation, startRotation } from './lib/provision.mjs';

const USAGE = `
usage: node scripts/client-rotate.mjs --client-id ID [--finish] (--local | --remote | --kv-json FILE)
Pass-through records: NEW_PRIMARY_CLIENT_SECRET (environment or --secrets-file) is the new primary secret.
Keys: CLIENT_ENC_KEY, CLIENT_HASH_KEY.`;

main(async (argv) => {
  const { values } = commandLine(argv, { usage: USAGE, options: { 'client-id': { type: 'string' }, finish: { type: 'boolean' } } });
  const clientId = values['client-id'];
  if (!clientId) throw new Error('--client-id is required');
  const kv = openKv(values);
  if (values.finish) {
    report(values, kv.describe, await finishRotation({ kv, clientId }));
    return;
  }
  const result = await startRotation({ kv, keys: loadKeys(values), clientId, newPrimarySecret: secret(values, 'NEW_PRIMARY_CLIENT_SECRET') });
  const out = { client_id: clientId, changes: result.changes };
  if (result.clientSecret) out.client_secret = result.clientSecret;
  report(values, kv.describe, out, [
    ...(result.clientSecret ? [`new client_secret: ${result.clientSecret}`, '(shown once)'] : []),
    `finish with: node scripts/client-rotate.mjs --client-id ${clientId} --finish (same store options)`,
  ]);
});
