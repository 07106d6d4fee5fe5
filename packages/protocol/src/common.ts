import { z } from "zod";

/** Bumped on any incompatible change to the messages below; checked at the handshake. */
export const PROTOCOL_VERSION = 2;

/** Largest text message the daemon reads; larger ones get a `too_large` error (the socket stays open). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export const RunId = z.string().min(1).max(64);
export const RequestId = z.string().min(1).max(64);
export const Seq = z.number().int().nonnegative();
export const Step = z.number().int().nonnegative();

/** created → running ⇄ paused → stopped | finished | failed. `paused` may carry a reason (e.g. NaN loss). */
export const RunState = z.enum(["created", "running", "paused", "stopped", "finished", "failed"]);
export type RunState = z.infer<typeof RunState>;
export const TERMINAL_STATES: readonly RunState[] = ["stopped", "finished", "failed"];

export const ConfigValue = z.union([z.number(), z.string(), z.boolean()]);
export type ConfigValue = z.infer<typeof ConfigValue>;
export const Config = z.record(z.string(), ConfigValue);
export type Config = z.infer<typeof Config>;

const FieldBase = { key: z.string(), label: z.string(), help: z.string().optional() };
export const ConfigField = z.discriminatedUnion("kind", [
  z.object({
    ...FieldBase,
    kind: z.literal("number"),
    default: z.number(),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
  }),
  z.object({
    ...FieldBase,
    kind: z.literal("enum"),
    default: z.string(),
    options: z.array(z.object({ value: z.string(), label: z.string() })).min(1),
  }),
  z.object({ ...FieldBase, kind: z.literal("boolean"), default: z.boolean() }),
  /** Free text, e.g. a user's edge list; the experiment parses and validates it. */
  z.object({ ...FieldBase, kind: z.literal("text"), default: z.string(), maxLength: z.number().int().positive() }),
]);
export type ConfigField = z.infer<typeof ConfigField>;

export const Reference = z.object({ value: z.number(), label: z.string() });
export type Reference = z.infer<typeof Reference>;

export const MetricInfo = z.object({
  key: z.string(),
  label: z.string(),
  /** A horizontal reference line the chart draws, e.g. the theoretical optimum. */
  reference: Reference.optional(),
  logScale: z.boolean().optional(),
});
export type MetricInfo = z.infer<typeof MetricInfo>;

/**
 * How the dashboard draws a snapshot tensor. `points`: rows are points (an embedding, n×d), drawn in 2D or 3D
 * along a projection the researcher picks (principal axes computed in the browser, the graph's Fiedler
 * coordinates when `fiedler` names them, or raw columns); `matrix`: numbers or a heatmap; `bars`: a vector as
 * bars (e.g. singular values, spectral bias).
 */
export const PointsProjection = z.enum(["pca", "fiedler", "raw"]);
export type PointsProjection = z.infer<typeof PointsProjection>;

export const TensorView = z.object({
  tensor: z.string(),
  kind: z.enum(["points", "matrix", "bars"]),
  label: z.string(),
  /** points: the rows are places on a cycle (walk order), so draw the path i → i+1. */
  cyclic: z.boolean().optional(),
  /** points: the projection shown first (default "raw": the first columns). */
  projection: PointsProjection.optional(),
  /** points: a snapshot tensor with the same rows on the graph's Fiedler directions (n×k), offered as a projection. */
  fiedler: z.string().optional(),
});
export type TensorView = z.infer<typeof TensorView>;

/** What a `measure` request can measure; each is recorded as the metric of the same name. */
export const MeasureKind = z.enum(["sharpness"]);
export type MeasureKind = z.infer<typeof MeasureKind>;

/**
 * Metrics any run may carry besides its experiment's own (on a schedule via `sharpness_every`, or on demand by
 * `measure`); the dashboard charts them once a run has recorded one.
 */
export const COMMON_METRICS: readonly MetricInfo[] = [
  { key: "sharpness", label: "Sharpness: top Hessian eigenvalue of the loss" },
];

export const ExperimentInfo = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  fields: z.array(ConfigField),
  metrics: z.array(MetricInfo),
  views: z.array(TensorView),
  /** Present when a run's live model can be probed with a typed input (the `inspect` message); answered as matrices. */
  inspect: z.object({ label: z.string(), placeholder: z.string() }).optional(),
});
export type ExperimentInfo = z.infer<typeof ExperimentInfo>;

export const BackendInfo = z.object({
  name: z.string(),
  reason: z.string(),
  tried: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const RunSummary = z.object({
  runId: RunId,
  experiment: z.string(),
  config: Config,
  state: RunState,
  reason: z.string().nullable(),
  step: Step,
  totalSteps: Step,
  lastSeq: Seq,
  backend: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Reference lines fixed by this run's config (e.g. the exact optimum L0), by metric; they override the experiment's. */
  references: z.record(z.string(), Reference),
  /** Set when the run was forked: the run (or "uploads") it started from, at which step, and the checkpoint's name if any. */
  parent: z.object({ runId: z.string(), name: z.string().optional(), step: z.number().int().nonnegative() }).nullable().optional(),
  /** Set when the run was imported from a report: read-only (nothing resumes, steps, changes or forks it). */
  imported: z.object({ runId: z.string(), exportedAt: z.number(), importedAt: z.number() }).nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** Non-finite values travel as null (JSON has no NaN); the state message says why a run paused. */
export const MetricValues = z.record(z.string(), z.number().nullable());
export const MetricPoint = z.object({ seq: Seq, step: Step, values: MetricValues });
export type MetricPoint = z.infer<typeof MetricPoint>;

export const ErrorCode = z.enum([
  "bad_json",
  "bad_message",
  "too_large",
  "unknown_type",
  "protocol_mismatch",
  "not_found",
  "bad_state",
  "bad_config",
  "forbidden",
  /** The connection sends more messages or bytes per second than the daemon reads; the message was dropped. */
  "rate_limited",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;
