#!/usr/bin/env node
// Imports the credentials table of a Lambda + DynamoDB token proxy: a DynamoDB scan export
// (`aws dynamodb scan --table-name T --output json`, or the JSON lines of an export to S3,
// gzipped or not) whose items hold primaryClientID, primaryClientSecret, secondaryClientID,
// secondaryClientSecret as DynamoDB JSON ({"S": "..."}).
//
//   CLIENT_ENC_KEY=... CLIENT_HASH_KEY=... node scripts/client-import-dynamodb.mjs EXPORT.json \
//        (--local | --remote | --kv-json FILE) [--mode passthrough|concealed] [--credentials-out FILE]
//        [--share-upstream] [--force] [--json]
//
// passthrough (default): callers keep presenting their primary pair. concealed: each item gets
// a new application id and secret, written to --credentials-out (mode 0600), never printed.
// Idempotent: items already imported with the same credentials are left alone. A malformed or
// conflicting item stops the import before anything is written, and names the item.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { commandLine, loadKeys, main, openKv, report } from './lib/cli.mjs';
import { dynamoItems, importDynamo } from './lib/provision.mjs';

const USAGE = `
usage: node scripts/client-import-dynamodb.mjs EXPORT (--local | --remote | --kv-json FILE)
         [--mode passthrough|concealed] [--credentials-out FILE] [--share-upstream] [--force]
Keys: CLIENT_ENC_KEY, CLIENT_HASH_KEY (environment or --secrets-file).`;

main(async (argv) => {
  const { values, positionals } = commandLine(argv, {
    usage: USAGE,
    positionals: true,
    options: {
      mode: { type: 'string' },
      'credentials-out': { type: 'string' },
      'share-upstream': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new Error('give exactly one export file');
  const mode = values.mode ?? 'passthrough';
  if (mode === 'concealed' && !values['credentials-out']) throw new Error('--mode concealed needs --credentials-out FILE (the issued secrets go there)');
  const raw = fs.readFileSync(positionals[0]);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw).toString('utf8');
  const kv = openKv(values);
  const result = await importDynamo({
    kv, keys: loadKeys(values), items: dynamoItems(text), mode, force: values.force, shareUpstream: values['share-upstream'],
  });
  if (result.issued.length) {
    fs.writeFileSync(values['credentials-out'], JSON.stringify(result.issued, null, 2) + '\n', { mode: 0o600 });
  }
  const summary = result.items.map((i) => `${i.item}: ${i.action} ${i.client_id}`);
  if (values['credentials-out'] && result.issued.length) summary.push(`${result.issued.length} new application credentials written to ${values['credentials-out']}`);
  const { issued: _, ...rest } = result;
  report(values, kv.describe, rest, summary);
});
