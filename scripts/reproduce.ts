// `npm run reproduce -- bigram-circle [--seeds 6] [--steps 20000]`: the seed's full-size settings, judged
// against EXPERIMENTS.md's numbers and tolerances. Prints one table row per setting.
import { parseArgs } from "node:util";
import { bigramCircleChecks, runSeed } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seeds: { type: "string", default: "6" }, steps: { type: "string", default: "20000" } },
});
const experiment = positionals[0] ?? "bigram-circle";
if (experiment !== "bigram-circle") {
  console.error(`no reproduction for "${experiment}" yet (available: bigram-circle)`);
  process.exit(2);
}
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
const steps = Number(values.steps);
const backend = await selectBackend("auto");
console.log(`Bigram 4 (seed 000), ${seeds.length} seeds × ${steps} steps, backend ${backend.name}\n`);
console.log("| setting | source | tolerance | measured | result |");
console.log("|---|---|---|---|---|");
let failed = 0;
for (const check of bigramCircleChecks) {
  const results = seeds.map((seed) => runSeed(check.config, seed, steps));
  const { measured, pass } = check.judge(results);
  if (!pass) failed++;
  console.log(`| ${check.setting} | ${check.source} | ${check.tolerance} | ${measured} | ${pass ? "pass" : "FAIL"} |`);
}
process.exit(failed ? 1 : 0);
