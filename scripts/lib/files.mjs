import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Files below `dir` (missing dirs yield none) whose name passes `keep`, skipping folders named in `skipDirs`. */
export function filesBelow(dir, keep, skipDirs = ["node_modules", ".next"]) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return skipDirs.includes(e.name) ? [] : filesBelow(path, keep, skipDirs);
    return keep(e.name) ? [path] : [];
  });
}
