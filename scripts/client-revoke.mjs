#!/usr/bin/env node
// Revokes a client: deletes its record. Tokens are refused from the next request on (KV
// deletions reach every location within about a minute).
//
//   node scripts/client-revoke.mjs --client-id ID [--local|--remote] [--env E] [--persist-to DIR] [--kv-json FILE]
import { kvKey } from './lib/clients.mjs';
import { KV_FLAGS, KV_OPTIONS, kvDelete, parseArgs, run } from './lib/cli.mjs';

run((argv) => {
  const args = parseArgs(argv, { flags: KV_FLAGS, options: [...KV_OPTIONS, 'client-id'] });
  if (!args['client-id']) throw new Error('--client-id is required');
  kvDelete(args, kvKey(args['client-id']));
  process.stdout.write(`revoked ${args['client-id']}\n`);
});
