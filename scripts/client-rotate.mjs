#!/usr/bin/env node
// Secret rotation in two steps; both secrets work in between.
//
//   node scripts/client-rotate.mjs --client-id ID [--local|--remote ...]            # concealed: adds a new secret, prints it once
//   node scripts/client-rotate.mjs --client-id ID --primary-secret NEW [...]         # pass-through: the primary secret changed
//   node scripts/client-rotate.mjs --client-id ID --finish [...]                     # drops the old secret
import { kvKey, rotateAdd, rotateFinish } from './lib/clients.mjs';
import { KV_FLAGS, KV_OPTIONS, kvGet, kvPut, loadKeys, parseArgs, run } from './lib/cli.mjs';

run((argv) => {
  const args = parseArgs(argv, { flags: [...KV_FLAGS, 'finish', 'json'], options: [...KV_OPTIONS, 'client-id', 'primary-secret'] });
  if (!args['client-id']) throw new Error('--client-id is required');
  const key = kvKey(args['client-id']);
  const record = kvGet(args, key);
  if (!record) throw new Error(`no record under ${key}`);
  if (args.finish) {
    kvPut(args, key, rotateFinish(record));
    process.stdout.write(args.json ? JSON.stringify({ client_id: args['client-id'], finished: true }) + '\n' : `rotation finished for ${args['client-id']}: only the newest secret is accepted now\n`);
    return;
  }
  const { record: next, clientSecret } = rotateAdd(record, loadKeys(args), { newPrimarySecret: args['primary-secret'] });
  kvPut(args, key, next);
  if (args.json) process.stdout.write(JSON.stringify({ client_id: args['client-id'], client_secret: clientSecret }) + '\n');
  else {
    process.stdout.write(`rotation started for ${args['client-id']}: old and new secrets are both accepted\n`);
    if (clientSecret) process.stdout.write(`  new client_secret: ${clientSecret}\n  (shown once)\n`);
    process.stdout.write(`finish with: node scripts/client-rotate.mjs --client-id ${args['client-id']} --finish\n`);
  }
});
