// Runs every *.test.ts of the repo in one node:test invocation, one file after another.
// `node scripts/test.mjs integration science` runs only the files whose path contains one of the words.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { filesBelow } from "./lib/files.mjs";

const roots = [
  ...readdirSync("packages").map((p) => join("packages", p, "test")),
  ...readdirSync("apps").map((a) => join("apps", a, "test")),
  "test",
];

const files = roots.flatMap((dir) => filesBelow(dir, (name) => name.endsWith(".test.ts"))).sort();
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...selected], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
