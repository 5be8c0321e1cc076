#!/usr/bin/env node
// Creates a client record for the token proxy (and, for edge verification, the index entries
// of its upstream clients) in the CLIENTS namespace. An existing record is never replaced
// without --force; upstream clients another application owns are never taken silently.
//
//   PRIMARY_CLIENT_SECRET=... SECONDARY_CLIENT_SECRET=... CLIENT_ENC_KEY=... CLIENT_HASH_KEY=... \
//   node scripts/client-add.mjs --primary-id ID --secondary-id ID (--local | --remote | --kv-json FILE)
//        [--mode concealed|passthrough] [--client-id oe_...] [--share-upstream] [--force] [--env E] [--json]
//   node scripts/client-add.mjs --one-pair --primary-id ID (--local | --remote | --kv-json FILE) ...
//
// --one-pair: one upstream pair used against both Regions' token hosts (Amazon Cognito
// multi-Region replication copies the machine client, id and secret, to the secondary Region).
//
// Concealed mode (default) prints the new application id and secret ONCE; the secret is stored
// only as a keyed digest.
import { commandLine, loadKeys, main, openKv, report, requireSecret } from './lib/cli.mjs';
import { addClient } from './lib/provision.mjs';

const USAGE = `
usage: node scripts/client-add.mjs --primary-id ID --secondary-id ID (--local | --remote | --kv-json FILE)
         [--mode concealed|passthrough] [--client-id ID] [--share-upstream] [--force]
       node scripts/client-add.mjs --one-pair --primary-id ID (--local | --remote | --kv-json FILE) [...]
Secrets: PRIMARY_CLIENT_SECRET, SECONDARY_CLIENT_SECRET (the upstream clients' secrets; with
--one-pair only PRIMARY_CLIENT_SECRET) and the worker's CLIENT_ENC_KEY, CLIENT_HASH_KEY.
  --one-pair        one upstream pair for both Regions (Cognito multi-Region replication: the
                    replica holds the same machine client id and secret)
  --share-upstream  another application owns these upstream clients at the edge: add this record
                    without claiming them (tokens keep mapping to that application)
  --force           replace an existing record, or move upstream clients to this application`;

main(async (argv) => {
  const { values } = commandLine(argv, {
    usage: USAGE,
    options: {
      'primary-id': { type: 'string' },
      'secondary-id': { type: 'string' },
      mode: { type: 'string' },
      'client-id': { type: 'string' },
      'share-upstream': { type: 'boolean' },
      'one-pair': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const onePair = values['one-pair'] ?? false;
  if (onePair && values['secondary-id']) throw new Error('--one-pair uses the primary pair in both Regions: leave out --secondary-id');
  for (const o of onePair ? ['primary-id'] : ['primary-id', 'secondary-id']) if (!values[o]) throw new Error(`--${o} is required`);
  const kv = openKv(values);
  const result = await addClient({
    kv,
    keys: loadKeys(values),
    mode: values.mode ?? 'concealed',
    primary: { clientId: values['primary-id'], clientSecret: requireSecret(values, 'PRIMARY_CLIENT_SECRET', 'the primary upstream secret') },
    secondary: onePair ? undefined : { clientId: values['secondary-id'], clientSecret: requireSecret(values, 'SECONDARY_CLIENT_SECRET', 'the secondary upstream secret') },
    onePair,
    clientId: values['client-id'],
    force: values.force,
    shareUpstream: values['share-upstream'],
  });
  const out = { client_id: result.clientId, mode: result.mode, changes: result.changes };
  if (result.clientSecret) out.client_secret = result.clientSecret;
  report(values, kv.describe, out, [
    `client_id: ${result.clientId} (${result.mode})`,
    ...(result.clientSecret ? [`client_secret: ${result.clientSecret}`, '(shown once: it is stored only as a keyed digest)'] : []),
  ]);
});
