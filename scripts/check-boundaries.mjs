// Import boundaries (the arrows of the README's picture), checked on every source file.
import { readFileSync } from "node:fs";
import { filesBelow } from "./lib/files.mjs";

/** [folder, forbidden import patterns, why] */
const rules = [
  ["packages/protocol/src", [/^(?!zod$)[^.]/], "protocol depends on zod only"],
  ["packages/experiments/src", [/^ws$/, /^node:/, /^@orrery\/(store|trainer|cli|dashboard)/, /^react/], "experiments are pure: no I/O"],
  ["packages/experiments/src/analysis", [/^@tensorflow\//], "analysis never imports tfjs"],
  ["packages/report/src", [/^(?!@orrery\/protocol$)[^.]/], "a report is pure: built from protocol types, no I/O"],
  ["packages/store/src", [/^@tensorflow\//, /^ws$/, /^@orrery\/(experiments|trainer|cli|dashboard)/], "store knows storage only"],
  ["apps/dashboard", [/^@tensorflow\//, /^@orrery\/(store|trainer|cli)/, /^@orrery\/experiments$/, /^ws$/, /^node:/], "the dashboard receives numbers; it does not train or touch files"],
  ["apps/trainer/src", [/^@orrery\/(cli|dashboard)/, /^react/], "the daemon does not depend on its clients"],
];

const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

// Build configuration (next.config.ts, postcss.config.mjs) runs in Node at build time, not in the app.
const sources = (dir) =>
  filesBelow(dir, (name) => /\.(ts|tsx|mjs|js)$/.test(name) && !/\.d\.ts$|\.config\./.test(name), ["node_modules", ".next", "test"]);

const problems = [];
for (const [dir, forbidden, why] of rules) {
  for (const file of sources(dir)) {
    for (const m of readFileSync(file, "utf8").matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (forbidden.some((re) => re.test(spec))) problems.push(`${file}: imports "${spec}" (${why})`);
    }
  }
}
if (problems.length) {
  console.error(`import boundaries violated:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("import boundaries hold");
