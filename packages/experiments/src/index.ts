export * from "./types.ts";
export * from "./config.ts";
export * from "./random.ts";
export * from "./registry.ts";
export { Trainer, type StepResult, type TrainerOptions } from "./training/trainer.ts";
export { createTrainer } from "./training/create-trainer.ts";
export { bigramCircle, type BigramCircleConfig } from "./models/bigram-circle.ts";
export { bigramCircleChecks, runSeed, type Check, type SeedResult } from "./reproductions/bigram-circle.ts";
