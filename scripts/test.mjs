// Runs every *.test.ts of the repo in one node:test invocation, one file after another.
// `node scripts/test.mjs integration science` runs only the files whose path contains one of the words.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const roots = [
  ...readdirSync("packages").map((p) => join("packages", p, "test")),
  ...readdirSync("apps").map((a) => join("apps", a, "test")),
  "test",
];

function testFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : testFiles(path);
    return e.name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = roots.flatMap(testFiles).sort();
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
