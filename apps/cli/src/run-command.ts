import { join } from "node:path";
import { SingleBar } from "cli-progress";
import { experiments } from "@orrery/experiments";
import { RunStore } from "@orrery/store";
import { RunManager, selectBackend, storeFile, type BackendPreference, type Subscriber } from "@orrery/trainer";
import { TERMINAL_STATES, type Config, type RunSummary } from "@orrery/protocol";

export interface RunCommandOptions {
  experiment: string;
  config: Config;
  dataDir: string;
  backend: BackendPreference;
  progress: boolean;
}

/** Trains one run headless into the same store the daemon and dashboard use; resolves when it ends. */
export async function runCommand(opts: RunCommandOptions): Promise<RunSummary> {
  const backend = await selectBackend(opts.backend);
  console.error(`backend: ${backend.name} — ${backend.reason}`);
  const store = RunStore.open(storeFile(opts.dataDir));
  const manager = new RunManager(store, backend.name, experiments);
  const run = manager.create(opts.experiment, opts.config);
  console.error(`run ${run.runId} (${opts.experiment}) → ${join(opts.dataDir, "orrery.sqlite")}`);

  const bar = new SingleBar({
    format: "{bar} {value}/{total} steps | {metrics} | {rate} steps/s | eta {eta_formatted}",
    hideCursor: true,
    noTTYOutput: false,
  });
  const started = performance.now();
  let last: Record<string, number | null> = {};
  if (opts.progress) bar.start(run.totalSteps, 0, { metrics: "", rate: "0" });

  let interrupted = false;
  const done = new Promise<RunSummary>((resolve) => {
    const watcher: Subscriber = {
      metrics(_runId, point) {
        last = point.values;
        if (!opts.progress || point.step % 25 !== 0) return;
        const rate = (point.step / ((performance.now() - started) / 1000)).toFixed(0);
        bar.update(point.step, { metrics: formatMetrics(last), rate });
      },
      snapshot() {},
      state(message) {
        if (message.reason) console.error(`\n${message.state}: ${message.reason}`);
        if (TERMINAL_STATES.includes(message.state)) resolve(manager.get(run.runId));
        else if (message.state === "paused" && interrupted) resolve(manager.get(run.runId));
        else if (message.state === "paused") manager.command(run.runId, "stop"); // a NaN loss: headless, nobody to resume it
      },
    };
    manager.subscribe(run.runId, watcher);
  });

  // Ctrl-C pauses and checkpoints the run: the daemon restores it at its next start, to resume from the dashboard.
  let shuttingDown: Promise<void> | null = null;
  const interrupt = () => {
    interrupted = true;
    shuttingDown = manager.shutdown("interrupted from the CLI");
  };
  process.once("SIGINT", interrupt);
  const summary = await done;
  process.off("SIGINT", interrupt);
  if (opts.progress) {
    bar.update(summary.step, { metrics: formatMetrics(last) });
    bar.stop();
  }
  await (shuttingDown ?? manager.shutdown("CLI exited"));
  store.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${summary.runId} ${summary.state} at step ${summary.step} in ${seconds.toFixed(1)} s: ${formatMetrics(last)}`);
  return summary;
}

const formatMetrics = (values: Record<string, number | null>) =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${v === null ? "NaN" : v.toPrecision(5)}`)
    .join(" ");
