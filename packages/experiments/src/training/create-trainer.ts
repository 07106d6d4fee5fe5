import type { CommonConfig, Experiment } from "../types.ts";
import { Trainer } from "./trainer.ts";

/** The one way a configured experiment becomes a Trainer: daemon, CLI, tests and reproductions share it. */
export function createTrainer<C extends CommonConfig>(experiment: Experiment<C>, config: C): Trainer {
  const options = experiment.trainerOptions?.(config) ?? { lr: config.lr };
  return new Trainer(experiment.create(config), options);
}
