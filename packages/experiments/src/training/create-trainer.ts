import type { CommonConfig, Experiment } from "../types.ts";
import { Trainer, type StepResult } from "./trainer.ts";

/** The one way a configured experiment becomes a Trainer: daemon, CLI, tests and reproductions share it. */
export function createTrainer<C extends CommonConfig>(experiment: Experiment<C>, config: C): Trainer {
  const options = { ...(experiment.trainerOptions?.(config) ?? { lr: config.lr }), sharpnessEvery: config.sharpness_every };
  return new Trainer(experiment.create(config), options);
}

/**
 * Trains a fresh run for `config.steps` steps (reproductions and science tests), handing every step's
 * result to `onStep`; returns the last one and what `inspect` reads off the trained problem.
 */
export function trainToEnd<C extends CommonConfig, R = undefined>(
  experiment: Experiment<C>,
  config: C,
  onStep: (result: StepResult) => void = () => {},
  inspect: (trainer: Trainer) => R = () => undefined as R,
): { last: StepResult; inspected: R } {
  const trainer = createTrainer(experiment, config);
  try {
    let last: StepResult | undefined;
    for (let i = 0; i < config.steps; i++) onStep((last = trainer.trainStep()));
    if (!last) throw new Error("trainToEnd needs at least one step");
    return { last, inspected: inspect(trainer) };
  } finally {
    trainer.dispose();
  }
}
