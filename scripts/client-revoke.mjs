#!/usr/bin/env node
// Revokes a client: deletes its record (tokens are refused from the next request on; KV
// deletions reach every location within about a minute) and the edge index entries it owns.
// An entry another record shares moves to that record. A client without a record is an error.
//
//   node scripts/client-revoke.mjs --client-id ID (--local | --remote | --kv-json FILE) [--env E] [--json]
import { commandLine, main, openKv, report } from './lib/cli.mjs';
import { revokeClient } from './lib/provision.mjs';

const USAGE = 'usage: node scripts/client-revoke.mjs --client-id ID (--local | --remote | --kv-json FILE)';

main(async (argv) => {
  const { values } = commandLine(argv, { usage: USAGE, options: { 'client-id': { type: 'string' } } });
  if (!values['client-id']) throw new Error('--client-id is required');
  const kv = openKv(values);
  report(values, kv.describe, await revokeClient({ kv, clientId: values['client-id'] }));
});
