#!/usr/bin/env node
// Rotation of the worker's record keys (CLIENT_ENC_KEY, CLIENT_HASH_KEY) without downtime.
//
//   node scripts/client-keys.mjs status    (--local | --remote | --kv-json FILE)   # what each record still uses
//   node scripts/client-keys.mjs reencrypt (--local | --remote | --kv-json FILE)   # re-seal upstream secrets under CLIENT_ENC_KEY
//
// reencrypt needs CLIENT_ENC_KEY (new) and CLIENT_ENC_KEY_PREVIOUS (old). Digests under the old
// CLIENT_HASH_KEY cannot be recomputed here (the secrets are not stored): the worker rehashes
// each on its client's next successful authentication; `status` counts what is left.
import { commandLine, loadKeys, main, openKv, report } from './lib/cli.mjs';
import { keyStatus, reencryptAll } from './lib/provision.mjs';

const USAGE = `
usage: node scripts/client-keys.mjs status|reencrypt (--local | --remote | --kv-json FILE)
Keys: CLIENT_ENC_KEY, CLIENT_HASH_KEY and, during a rotation, CLIENT_ENC_KEY_PREVIOUS / CLIENT_HASH_KEY_PREVIOUS.`;

main(async (argv) => {
  const { values, positionals } = commandLine(argv, { usage: USAGE, positionals: true });
  const [command, ...extra] = positionals;
  if (extra.length || !['status', 'reencrypt'].includes(command)) throw new Error('give one command: status or reencrypt');
  const kv = openKv(values);
  const keys = loadKeys(values);
  if (command === 'reencrypt') {
    report(values, kv.describe, await reencryptAll({ kv, keys }));
    return;
  }
  const s = await keyStatus({ kv, keys });
  const line = (name, k) => `${name}: current key ${k.current}; values per key id ${JSON.stringify(k.byKeyId)}; `
    + (k.notCurrent ? `${k.notCurrent} not under the current key yet` : 'all under the current key: the previous key may be removed');
  report(values, kv.describe, s, [`${s.records} records`, line('CLIENT_ENC_KEY', s.enc), line('CLIENT_HASH_KEY', s.hash)]);
});
