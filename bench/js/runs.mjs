// Several runs of bench/run.sh side by side: `node bench/js/runs.mjs run1.json run2.json ...`
// (copies of bench/results/latest.json). Prints each row's median per run, the median of the
// runs and their spread, then each ratio goal per run, its median and whether it is met
// "reliably" (issue 15: the median of the runs meets the target and no run is below 0.9 of it).
import * as fs from 'node:fs';
import { RATIO_GOALS, median } from './goals.mjs';

const runs = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
if (!runs.length) throw new Error('usage: node bench/js/runs.mjs run1.json run2.json ...');
const k = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));
const cols = runs.map((_, i) => `run ${i + 1}`);

console.log(runs.map((r, i) => `run ${i + 1}: ${r.machine.date} at ${r.machine.git}, ${r.rounds} x ${r.seconds} CPU-s, load ${r.machine.loadBefore.map((l) => l.toFixed(1)).join(' / ')}`).join('\n'));
console.log(`\n| row (verifies / CPU-s, median of the run's rounds) | ${cols.join(' | ')} | median of runs | spread (max / min) |`);
console.log(`| --- | ${cols.map(() => '---:').join(' | ')} | ---: | ---: |`);
const ids = [...new Set(runs.flatMap((r) => Object.keys(r.stats)))];
for (const id of ids) {
  const xs = runs.map((r) => r.stats[id]?.median);
  const have = xs.filter((x) => x !== undefined);
  console.log(`| ${id} | ${xs.map((x) => (x === undefined ? 'n/a' : k(x))).join(' | ')} | ${k(median(have))} | ${(Math.max(...have) / Math.min(...have)).toFixed(2)} |`);
}
const cold = runs.map((r) => r.coldSummary.totalMs.median);
console.log(`| import -> first verify, ms (median of 9 fresh processes) | ${cold.map((x) => x.toFixed(1)).join(' | ')} | ${median(cold).toFixed(1)} | ${(Math.max(...cold) / Math.min(...cold)).toFixed(2)} |`);

console.log(`\n| goal | ${cols.join(' | ')} | median | target | reliably met? |`);
console.log(`| --- | ${cols.map(() => '---:').join(' | ')} | ---: | ---: | --- |`);
for (const [name, a, b, target] of RATIO_GOALS) {
  const xs = runs.map((r) => (r.stats[a] && r.stats[b] ? r.stats[a].median / r.stats[b].median : undefined));
  const have = xs.filter((x) => x !== undefined);
  if (!have.length) continue;
  const m = median(have);
  const reliably = m >= target && have.every((x) => x >= 0.9 * target);
  const verdict = reliably ? 'yes' : m >= target ? '**median met, a run below 0.9 of the target**' : '**no**';
  console.log(`| ${name} | ${xs.map((x) => (x === undefined ? 'n/a' : `${x.toFixed(2)}x`)).join(' | ')} | ${m.toFixed(2)}x | >= ${target}x | ${verdict} |`);
}
