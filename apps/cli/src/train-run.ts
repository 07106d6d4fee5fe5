import { SingleBar } from "cli-progress";
import { TERMINAL_STATES, type Config, type RunSummary } from "@orrery/protocol";
import type { RunManager, Subscriber } from "@orrery/trainer";

export interface TrainedRun {
  summary: RunSummary;
  /** The last metric values streamed (null: not finite). */
  final: Record<string, number | null>;
  seconds: number;
  interrupted: boolean;
}

/**
 * Trains one run to its end with a progress bar. Ctrl-C pauses and checkpoints it (the daemon restores it at
 * its next start, to resume from the dashboard). A NaN pause ends a headless run: nobody is there to resume it.
 */
export async function trainRun(manager: RunManager, experiment: string, config: Config, progress: boolean): Promise<TrainedRun> {
  const run = manager.create(experiment, config);
  console.error(`run ${run.runId} (${experiment})`);
  const bar = new SingleBar({ format: "{bar} {value}/{total} steps | {metrics} | {rate} steps/s | eta {eta_formatted}", hideCursor: true });
  const started = performance.now();
  let final: Record<string, number | null> = {};
  let interrupted = false;
  if (progress) bar.start(run.totalSteps, 0, { metrics: "", rate: "0" });

  const done = new Promise<RunSummary>((resolve) => {
    const watcher: Subscriber = {
      metrics(_runId, point) {
        final = { ...final, ...point.values };
        if (!progress || point.step % 25 !== 0) return;
        const rate = (point.step / ((performance.now() - started) / 1000)).toFixed(0);
        bar.update(point.step, { metrics: formatMetrics(final), rate });
      },
      snapshot() {},
      intervention() {},
      annotation() {},
      state(message) {
        if (message.reason) console.error(`\n${message.state}: ${message.reason}`);
        if (TERMINAL_STATES.includes(message.state) || (message.state === "paused" && interrupted)) {
          manager.unsubscribe(run.runId, watcher);
          resolve(manager.get(run.runId));
        } else if (message.state === "paused") manager.command(run.runId, "stop");
      },
    };
    manager.subscribe(run.runId, watcher);
  });

  let shuttingDown: Promise<void> | null = null;
  const interrupt = () => {
    interrupted = true;
    shuttingDown = manager.shutdown("interrupted from the CLI");
  };
  process.once("SIGINT", interrupt);
  const summary = await done;
  await shuttingDown;
  process.off("SIGINT", interrupt);
  if (progress) {
    bar.update(summary.step, { metrics: formatMetrics(final) });
    bar.stop();
  }
  return { summary, final, seconds: (performance.now() - started) / 1000, interrupted };
}

export const formatMetrics = (values: Record<string, number | null>) =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${v === null ? "NaN" : v.toPrecision(5)}`)
    .join(" ");
