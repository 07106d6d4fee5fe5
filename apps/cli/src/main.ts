import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { experiments } from "@orrery/experiments";
import { RunStore } from "@orrery/store";
import { BACKEND_PREFERENCES, storeFile, type BackendPreference } from "@orrery/trainer";
import { parseSets } from "./args.ts";
import { runCommand } from "./run-command.ts";

const USAGE = `usage:
  orrery run <experiment> [--set key=value]... [--data-dir DIR] [--backend ${BACKEND_PREFERENCES.join("|")}] [--no-progress]
  orrery list [--data-dir DIR]          stored runs
  orrery experiments                    experiments and their config keys (defaults)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    set: { type: "string", multiple: true, default: [] },
    "data-dir": { type: "string", default: process.env.ORRERY_DATA_DIR ?? ".orrery" },
    backend: { type: "string", default: process.env.ORRERY_BACKEND ?? "auto" },
    "no-progress": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
const [command, ...rest] = positionals;
const dataDir = resolve(values["data-dir"]);

function fail(message: string): never {
  console.error(`orrery: ${message}\n${USAGE}`);
  process.exit(2);
}

if (values.help || !command) {
  console.log(USAGE);
} else if (command === "experiments") {
  for (const e of Object.values(experiments)) {
    console.log(`${e.info.id}: ${e.info.title}`);
    for (const f of e.info.fields) console.log(`  ${f.key} = ${f.default}   ${f.label}`);
  }
} else if (command === "list") {
  const store = RunStore.open(storeFile(dataDir));
  for (const r of store.listRuns()) {
    console.log(`${r.runId}  ${r.experiment.padEnd(14)} ${r.state.padEnd(9)} ${r.step}/${r.totalSteps}  ${new Date(r.createdAt).toISOString()}`);
  }
  store.close();
} else if (command === "run") {
  const experiment = rest[0] ?? fail("run needs an experiment id (see `orrery experiments`)");
  if (!(experiment in experiments)) fail(`unknown experiment "${experiment}"`);
  const backend = values.backend as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) fail(`--backend must be one of ${BACKEND_PREFERENCES.join(", ")}`);
  let config;
  try {
    config = parseSets(values.set);
    experiments[experiment]!.resolveConfig(config);
  } catch (e) {
    fail((e as Error).message);
  }
  const summary = await runCommand({ experiment, config, dataDir, backend, progress: !values["no-progress"] });
  process.exit(summary.state === "finished" ? 0 : 1);
} else {
  fail(`unknown command "${command}"`);
}
