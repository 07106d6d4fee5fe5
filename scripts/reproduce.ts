// `npm run reproduce -- <experiment> [--steps N] [--seeds K]`: the seed experiment's CPU-sized settings,
// judged against EXPERIMENTS.md's numbers and tolerances. Prints a table; exits 1 if a row fails.
import { parseArgs } from "node:util";
import { reproductions } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seeds: { type: "string" }, steps: { type: "string" } },
});
const ids = positionals.length ? positionals : Object.keys(reproductions);
const unknown = ids.filter((id) => !(id in reproductions));
if (unknown.length) {
  console.error(`no reproduction for ${unknown.join(", ")} (available: ${Object.keys(reproductions).join(", ")})`);
  process.exit(2);
}
const backend = await selectBackend("auto");
let failed = 0;
for (const id of ids) {
  const reproduction = reproductions[id]!;
  const started = performance.now();
  const rows = reproduction.run({
    ...(values.steps && { steps: Number(values.steps) }),
    ...(values.seeds && { seeds: Number(values.seeds) }),
    log: (line) => console.error(`  ${line}`),
  });
  const minutes = (performance.now() - started) / 60_000;
  console.log(`\n${reproduction.title} — backend ${backend.name}, ${minutes.toFixed(1)} min\n`);
  console.log("| setting | source | tolerance | measured | result |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) {
    if (!r.pass) failed++;
    console.log(`| ${r.setting} | ${r.source} | ${r.tolerance} | ${r.measured} | ${r.pass ? "pass" : "FAIL"} |`);
  }
}
process.exit(failed ? 1 : 0);
