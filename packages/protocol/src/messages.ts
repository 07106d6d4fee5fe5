import { z } from "zod";
import {
  BackendInfo, Config, MeasureKind, ErrorCode, ExperimentInfo, MetricPoint, MetricValues, RequestId, RunId, RunState, RunSummary, Seq, Step,
} from "./common.ts";
import { CheckpointEntry, CheckpointRef, Intervention, InterventionRecord } from "./interventions.ts";
import { Annotation, Role, ShareLink, Watcher } from "./access.ts";
import { NullableNumberArray, NumberArray, StepArray } from "./arrays.ts";

// ───────────── client → trainer (JSON text frames) ─────────────

const req = { id: RequestId };

export const ClientMessage = z.discriminatedUnion("type", [
  /** First message on every connection. The token travels in the URL (`?token=`), checked at upgrade. */
  z.object({
    type: z.literal("hello"),
    protocol: z.number().int(),
    /** The client software (for the daemon's log). */
    client: z.string().max(100).optional(),
    /** The person's display name: shown to others watching the same run and in the logs of what they change. */
    name: z.string().trim().min(1).max(40).optional(),
  }),
  z.object({ type: z.literal("listRuns"), ...req }),
  z.object({
    type: z.literal("start"),
    ...req,
    experiment: z.string(),
    config: Config.optional(),
    /** Create the run but take no step yet (state "created"): intervene before the first step, then step or resume. */
    paused: z.boolean().optional(),
  }),
  z.object({ type: z.literal("pause"), ...req, runId: RunId }),
  z.object({ type: z.literal("resume"), ...req, runId: RunId }),
  z.object({ type: z.literal("stop"), ...req, runId: RunId }),
  /** Take exactly `n` steps from a paused (or created) run, then pause again. */
  z.object({ type: z.literal("step"), ...req, runId: RunId, n: z.number().int().min(1).max(100_000).default(1) }),
  /**
   * Stream a run's events live. With `afterSeq`, first replay every stored event with a larger seq
   * (what a reconnecting client missed), then go live: no gaps, no duplicates.
   */
  z.object({ type: z.literal("subscribe"), ...req, runId: RunId, afterSeq: Seq.optional() }),
  z.object({ type: z.literal("unsubscribe"), ...req, runId: RunId }),
  /** Downsampled (min/max preserving) metric series plus the steps that have stored snapshots. */
  z.object({
    type: z.literal("history"),
    ...req,
    runId: RunId,
    maxPoints: z.number().int().min(10).max(20_000).default(2000),
  }),
  /** The stored snapshot nearest at or before `step`; answered by a binary frame carrying `id`. */
  z.object({ type: z.literal("snapshot"), ...req, runId: RunId, step: Step }),
  /** Each run's last stored value of every metric (e.g. to compare a sweep's runs); answered by `finalMetrics`. */
  z.object({ type: z.literal("finalMetrics"), ...req, runIds: z.array(RunId).min(1).max(500) }),
  /**
   * Measure something costly on a live run between two steps (e.g. sharpness, the top Hessian eigenvalue);
   * the value is recorded as a metric point at the run's current step, then the request is acked.
   */
  z.object({ type: z.literal("measure"), ...req, runId: RunId, what: MeasureKind }),
  /** Singular values of a 2-D snapshot tensor at up to `maxPoints` of the run's stored snapshot steps. */
  z.object({
    type: z.literal("spectrum"),
    ...req,
    runId: RunId,
    tensor: z.string().min(1).max(100),
    maxPoints: z.number().int().min(2).max(1000).default(200),
  }),
  /**
   * Probe a live run's model with a typed input (syntax: the experiment's `inspect` info), e.g. each layer's
   * attention on a token sequence, at its current parameters; answered by `inspection`.
   */
  z.object({ type: z.literal("inspect"), ...req, runId: RunId, input: z.string().max(2000) }),
  /**
   * Change a live run between two steps (freeze, set a parameter, hyperparameters); acked with the record, which
   * is stored in the run's log and streamed to every subscriber as an `intervention` message.
   */
  z.object({ type: z.literal("intervene"), ...req, runId: RunId, intervention: Intervention }),
  /** Saves a live run's full state as a named .safetensors checkpoint (names are never overwritten). */
  z.object({ type: z.literal("saveCheckpoint"), ...req, runId: RunId, name: z.string().min(1).max(64) }),
  /** Named checkpoints (of one run, or all with uploads); answered by `checkpoints`. */
  z.object({ type: z.literal("listCheckpoints"), ...req, runId: RunId.optional() }),
  /**
   * A new run from a named checkpoint, or from any step of a run (re-executed from its config and intervention
   * log), with config edits; it records its parent and starts paused.
   */
  z.object({
    type: z.literal("fork"),
    ...req,
    from: z.union([CheckpointRef, z.object({ runId: RunId, step: Step })]),
    config: Config.optional(),
  }),
  /** Owner only: a share link for some runs (or the whole daemon) with a role and an optional expiry; answered by `link`. */
  z.object({
    type: z.literal("createLink"),
    ...req,
    role: z.enum(["controller", "viewer"]),
    runIds: z.array(RunId).min(1).max(100).optional(),
    expiresInS: z.number().int().min(60).max(90 * 86_400).optional(),
    label: z.string().max(100).optional(),
  }),
  z.object({ type: z.literal("listLinks"), ...req }),
  /** Pin a short comment to a step of a run (any role: it changes nothing); streamed to its viewers as `annotation`. */
  z.object({ type: z.literal("annotate"), ...req, runId: RunId, step: Step, text: z.string().trim().min(1).max(500) }),
  /** Owner only: the link stops working and its open connections are closed. */
  z.object({ type: z.literal("revokeLink"), ...req, linkId: z.string().min(1).max(64) }),
  /** A live run's parameter groups (name, shape, frozen) and optimizer settings; answered by `parameters`. */
  z.object({ type: z.literal("parameters"), ...req, runId: RunId }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage["type"];
export const CLIENT_MESSAGE_TYPES = ClientMessage.options.map((o) => o.shape.type.value);

// ───────────── trainer → client (JSON text frames; snapshots are binary, see frames.ts) ─────────────

export const Series = z.object({ step: NumberArray, value: NullableNumberArray });
export type Series = z.infer<typeof Series>;

export const ServerMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("welcome"),
    protocol: z.number().int(),
    serverVersion: z.string(),
    backend: BackendInfo,
    experiments: z.array(ExperimentInfo),
    runs: z.array(RunSummary),
    /** What this connection may do (absent from older daemons: owner). */
    role: Role.optional(),
    /** This connection as others see it in `presence`. */
    you: Watcher.optional(),
  }),
  /** To everyone subscribed to a run, whenever someone starts or stops watching it: who is watching now. */
  z.object({ type: z.literal("presence"), runId: RunId, watchers: z.array(Watcher) }),
  z.object({ type: z.literal("ack"), id: RequestId, run: RunSummary.optional() }),
  z.object({ type: z.literal("error"), id: RequestId.nullable(), code: ErrorCode, message: z.string() }),
  z.object({ type: z.literal("runs"), id: RequestId, runs: z.array(RunSummary) }),
  /** Broadcast to every connection whenever a run is created or changes state. */
  z.object({ type: z.literal("run"), run: RunSummary }),
  /** Streamed to subscribers; stored. */
  z.object({
    type: z.literal("state"),
    runId: RunId,
    seq: Seq,
    step: Step,
    state: RunState,
    reason: z.string().nullable(),
  }),
  /** Streamed to subscribers in batches; each point carries its own run-scoped seq. */
  z.object({ type: z.literal("metrics"), runId: RunId, points: z.array(MetricPoint).min(1) }),
  z.object({
    type: z.literal("history"),
    id: RequestId,
    runId: RunId,
    series: z.record(z.string(), Series),
    snapshotSteps: StepArray,
    /** The run's last seq when this history was read: subscribe with `afterSeq: lastSeq` to continue live. */
    lastSeq: Seq,
    /** The run's intervention log (markers on the charts). */
    interventions: z.array(InterventionRecord).optional(),
    annotations: z.array(Annotation).optional(),
  }),
  /** By run, by metric: the value at the metric's last stored step (null: not finite). */
  z.object({ type: z.literal("finalMetrics"), id: RequestId, values: z.record(RunId, MetricValues) }),
  /** values[i]: the singular values (descending) of `tensor` in the snapshot at steps[i]. */
  z.object({
    type: z.literal("spectrum"),
    id: RequestId,
    runId: RunId,
    tensor: z.string(),
    steps: z.array(Step),
    values: z.array(z.array(z.number())),
  }),
  /** Small matrices (a few thousand numbers), so JSON: each tensor's values row-major. */
  z.object({
    type: z.literal("inspection"),
    id: RequestId,
    runId: RunId,
    step: Step,
    input: z.string(),
    tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), values: z.array(z.number()) })),
  }),
  z.object({ type: z.literal("checkpoints"), id: RequestId, items: z.array(CheckpointEntry) }),
  /** The new link and, only here, its token (the daemon keeps a hash of it). */
  z.object({ type: z.literal("link"), id: RequestId, link: ShareLink, token: z.string() }),
  z.object({ type: z.literal("links"), id: RequestId, items: z.array(ShareLink) }),
  z.object({ type: z.literal("annotation"), runId: RunId, id: RequestId.nullable(), annotation: Annotation }),
  z.object({ type: z.literal("checkpointSaved"), id: RequestId, entry: CheckpointEntry }),
  /** Streamed to subscribers and stored: one applied intervention (the answer to `intervene` carries the same). */
  z.object({ type: z.literal("intervention"), runId: RunId, id: RequestId.nullable(), record: InterventionRecord }),
  z.object({
    type: z.literal("parameters"),
    id: RequestId,
    runId: RunId,
    groups: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), frozen: z.boolean() })),
    lr: z.number(),
    weightDecay: z.number(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;
