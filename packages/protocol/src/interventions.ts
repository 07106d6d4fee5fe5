import { z } from "zod";

/*
 * What a user can do to a live run between two steps (issue: "reach into a running model"). Every intervention
 * is recorded in the run's log exactly as applied (random presets carry the seed they were drawn with), so a run
 * re-executed from its config, seed and log reproduces the original.
 */

const Group = z.string().min(1).max(100);

/** A named checkpoint file: `runId` is the run that saved it, or "uploads" for a file a user sent. */
export const CheckpointRef = z.object({ runId: z.string().min(1).max(64), name: z.string().min(1).max(64) });
export type CheckpointRef = z.infer<typeof CheckpointRef>;

export const CheckpointEntry = CheckpointRef.extend({ step: z.number().int().nonnegative().nullable(), bytes: z.number().int().nonnegative() });
export type CheckpointEntry = z.infer<typeof CheckpointEntry>;
const Seed = z.number().int().min(0).max(2 ** 31 - 1);

/** A new value for a parameter group, computed from its shape (and, for some presets, its current value). */
export const ParameterValue = z.discriminatedUnion("preset", [
  z.object({ preset: z.literal("identity") }),
  z.object({ preset: z.literal("zeros") }),
  /** A diagonal matrix, e.g. diag(1, −1); the list's length must match the matrix's side. */
  z.object({ preset: z.literal("diag"), values: z.array(z.number().finite()).min(1).max(1024) }),
  /** Rotation by θ radians of a 2×2 matrix. */
  z.object({ preset: z.literal("rotation"), theta: z.number().finite() }),
  /** Fresh values ~ N(0, scale²). */
  z.object({ preset: z.literal("normal"), scale: z.number().finite().nonnegative(), seed: Seed.optional() }),
  /** The current value plus N(0, scale²) noise. */
  z.object({ preset: z.literal("add_noise"), scale: z.number().finite().nonnegative(), seed: Seed.optional() }),
  /** The current value times `factor`. */
  z.object({ preset: z.literal("scale"), factor: z.number().finite() }),
  /** The best rank-r approximation of the current (2-D) value. */
  z.object({ preset: z.literal("low_rank"), rank: z.number().int().min(0).max(4096) }),
  /** The solution the experiment knows for this group (e.g. a circle of radius A for Bigram 4's E). */
  z.object({ preset: z.literal("reference") }),
  /** Values typed or pasted by the user, row-major; the shape must equal the group's. */
  z.object({
    preset: z.literal("values"),
    shape: z.array(z.number().int().nonnegative()).max(4),
    values: z.array(z.number().finite()).max(65_536),
  }),
]);
export type ParameterValue = z.infer<typeof ParameterValue>;

export const Intervention = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("freeze"), groups: z.array(Group).min(1).max(64) }),
  z.object({ kind: z.literal("unfreeze"), groups: z.array(Group).min(1).max(64) }),
  z.object({ kind: z.literal("set"), group: Group, value: ParameterValue }),
  /** Load parameter groups (all the run's, or `groups`) from a named checkpoint of this or another run, or an upload. */
  z.object({ kind: z.literal("inject"), from: CheckpointRef, groups: z.array(Group).min(1).max(64).optional() }),
  /** Optimizer settings from the next step on; omitted fields keep their value. */
  z.object({
    kind: z.literal("hyper"),
    lr: z.number().finite().positive().max(100).optional(),
    weight_decay: z.number().finite().nonnegative().max(100).optional(),
    /** Adam's β1 and β2 (each in [0, 1)). */
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).optional(),
    schedule: z.enum(["constant", "cosine"]).optional(),
  }),
  /**
   * The training data from the next step on, where the experiment allows it (graph runs: self-edges and edge
   * directions; runs that sample batches: the batch size); omitted fields keep their value.
   */
  z.object({
    kind: z.literal("data"),
    self_edges: z.boolean().optional(),
    direction: z.enum(["forward", "backward", "both"]).optional(),
    batch_size: z.number().int().min(1).max(1_000_000).optional(),
  }),
]);
export type Intervention = z.infer<typeof Intervention>;
export type InterventionKind = Intervention["kind"];
/** What a `data` intervention changes (an experiment's `setData` applies it). */
export type DataPatch = Omit<Extract<Intervention, { kind: "data" }>, "kind">;

/** One applied intervention as the run's log keeps it (stored, streamed, drawn as a marker on the charts). */
export const InterventionRecord = z.object({
  seq: z.number().int().nonnegative(),
  /** Applied after this many steps: the first step that reflects it is step + 1. */
  step: z.number().int().nonnegative(),
  at: z.number(),
  /** Who asked (a connection's label), for the log. */
  by: z.string().max(100),
  intervention: Intervention,
  /** Human-readable before → after, e.g. "W1: [[0.98, 0.1], …] → diag(−1, −1)". */
  summary: z.string().max(2000),
});
export type InterventionRecord = z.infer<typeof InterventionRecord>;
