import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { experiments } from "@orrery/experiments";
import { logLogSlope } from "@orrery/experiments/analysis";
import type { Config } from "@orrery/protocol";
import { RunStore } from "@orrery/store";
import { BACKEND_PREFERENCES, RunManager, selectBackend, storeFile, type BackendPreference } from "@orrery/trainer";
import { parseSets, parseVary } from "./args.ts";
import { formatMetrics, trainRun } from "./train-run.ts";
import { exportRun, importRun } from "./reports.ts";

const USAGE = `usage:
  orrery run <experiment> [--set key=value]... [--data-dir DIR] [--backend ${BACKEND_PREFERENCES.join("|")}] [--no-progress]
  orrery sweep <experiment> --vary key=1..20|key=a,b,c [--set key=value]... [--fit METRIC]
                                        one run per value; prints final metrics (and METRIC's log-log slope)
  orrery list [--data-dir DIR]          stored runs
  orrery export <runId> [--format html|json] [--out FILE] [--data-dir DIR]
                                        a run's static report: one self-contained HTML file (opens offline) or JSON
  orrery import FILE [--data-dir DIR]   a report (JSON, or an exported HTML file) as a new read-only run
  orrery experiments                    experiments and their config keys (defaults)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    set: { type: "string", multiple: true, default: [] },
    vary: { type: "string" },
    fit: { type: "string" },
    format: { type: "string", default: "html" },
    out: { type: "string" },
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

/** Validates the experiment and config up front, so a typo fails before any training. */
function checkedRequest(): { experiment: string; config: Config } {
  const experiment = rest[0] ?? fail(`${command} needs an experiment id (see \`orrery experiments\`)`);
  if (!(experiment in experiments)) fail(`unknown experiment "${experiment}"`);
  try {
    const config = parseSets(values.set);
    experiments[experiment]!.resolveConfig(config);
    return { experiment, config };
  } catch (e) {
    fail((e as Error).message);
  }
}

async function openManager() {
  const backend = values.backend as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) fail(`--backend must be one of ${BACKEND_PREFERENCES.join(", ")}`);
  const info = await selectBackend(backend);
  console.error(`backend: ${info.name} — ${info.reason}\nstore: ${storeFile(dataDir)}`);
  const store = RunStore.open(storeFile(dataDir));
  const manager = new RunManager(store, info.name, experiments, undefined, { checkpointsDir: join(dataDir, "checkpoints") });
  return {
    manager,
    close: async () => {
      await manager.shutdown("CLI exited");
      store.close();
    },
  };
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
    console.log(`${r.runId}  ${r.experiment.padEnd(16)} ${r.state.padEnd(9)} ${r.step}/${r.totalSteps}  ${new Date(r.createdAt).toISOString()}`);
  }
  store.close();
} else if (command === "export" || command === "import") {
  const arg = rest[0] ?? fail(command === "export" ? "export needs a run id (see `orrery list`)" : "import needs a report file");
  const format = values.format;
  if (format !== "html" && format !== "json") fail(`--format must be html or json, not "${format}"`);
  // Reading and writing stored runs needs no tfjs backend.
  const store = RunStore.open(storeFile(dataDir));
  const manager = new RunManager(store, "none", experiments);
  try {
    if (command === "export") {
      const { path, bytes } = exportRun(manager, arg, format, values.out);
      console.log(`wrote ${path} (${(bytes / 1024).toFixed(0)} KiB)`);
    } else {
      const { run, from } = importRun(manager, arg);
      console.log(`${run.runId} imported from run ${from}: ${run.experiment}, step ${run.step}/${run.totalSteps}, read-only`);
    }
  } catch (e) {
    console.error(`orrery: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    await manager.shutdown("CLI exited");
    store.close();
  }
} else if (command === "run") {
  const { experiment, config } = checkedRequest();
  const session = await openManager();
  const { summary, final, seconds } = await trainRun(session.manager, experiment, config, !values["no-progress"]);
  await session.close();
  console.log(`${summary.runId} ${summary.state} at step ${summary.step} in ${seconds.toFixed(1)} s: ${formatMetrics(final)}`);
  process.exit(summary.state === "finished" ? 0 : 1);
} else if (command === "sweep") {
  const { experiment, config } = checkedRequest();
  let vary;
  try {
    vary = parseVary(values.vary ?? fail("sweep needs --vary key=values"));
    for (const v of vary.values) experiments[experiment]!.resolveConfig({ ...config, [vary.key]: v });
  } catch (e) {
    fail((e as Error).message);
  }
  const session = await openManager();
  const rows: Array<{ value: (typeof vary.values)[number]; runId: string; final: Record<string, number | null> }> = [];
  for (const value of vary.values) {
    const r = await trainRun(session.manager, experiment, { ...config, [vary.key]: value }, !values["no-progress"]);
    rows.push({ value, runId: r.summary.runId, final: r.final });
    if (r.interrupted) break;
  }
  await session.close();
  const metrics = Object.keys(rows[0]?.final ?? {});
  console.log(`\n| ${vary.key} | ${metrics.join(" | ")} | run |`);
  console.log(`|---|${metrics.map(() => "---:").join("|")}|---|`);
  for (const r of rows) console.log(`| ${r.value} | ${metrics.map((m) => r.final[m]?.toPrecision(4) ?? "NaN").join(" | ")} | ${r.runId} |`);
  if (values.fit) {
    const points = rows.filter((r) => typeof r.value === "number" && r.value > 0 && (r.final[values.fit!] ?? 0) > 0);
    if (points.length >= 2) {
      const slope = logLogSlope(points.map((r) => r.value as number), points.map((r) => r.final[values.fit!]!));
      console.log(`\nlog-log slope of ${values.fit} against ${vary.key}: ${slope.toFixed(3)} (${points.length} points with ${values.fit} > 0)`);
    } else console.log(`\nnot enough points with ${values.fit} > 0 to fit a slope`);
  }
} else {
  fail(`unknown command "${command}"`);
}
