import { applyIntervention, createTrainer, type Experiment, type InterventionSources, type Trainer } from "@orrery/experiments";
import type { Config, InterventionRecord } from "@orrery/protocol";

/** How long a replay trains before letting the event loop serve others. */
const SLICE_MS = 10;

/**
 * Re-executes a run from its config (and seed) and intervention log up to `step` steps: the state it had after
 * that step, before any intervention logged at it (same backend: bit-identical). Yields between short slices.
 */
export async function replayTo(
  experiment: Experiment<any>,
  config: Config,
  log: readonly InterventionRecord[],
  step: number,
  sources: InterventionSources,
): Promise<Trainer> {
  const trainer = createTrainer(experiment, experiment.resolveConfig(config));
  try {
    while (trainer.step < step) {
      const deadline = performance.now() + SLICE_MS;
      while (trainer.step < step && performance.now() < deadline) {
        for (const r of log) if (r.step === trainer.step) applyIntervention(trainer, r.intervention, sources);
        trainer.trainStep();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return trainer;
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}
