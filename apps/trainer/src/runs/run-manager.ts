import { randomBytes } from "node:crypto";
import {
  decodeSnapshotFrame, encodeSnapshotFrame, TERMINAL_STATES,
  type Annotation, type RunReport, type CheckpointEntry, type CheckpointRef, type Config, type Intervention, type InterventionRecord, type MeasureKind, type MetricPoint, type NamedTensor, type RunState, type RunSummary, type ServerMessageOf,
} from "@orrery/protocol";
import { createTrainer, type Experiment, type InterventionSources, type Trainer } from "@orrery/experiments";
import { shardPoolFor } from "../shards/shard-pool.ts";
import type { RunStore, StoredEvent } from "@orrery/store";
import { assertCheckpointFits, type RunShape } from "../checkpoints/checkpoint-fit.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../checkpoints/codec.ts";
import { CheckpointLibrary } from "../checkpoints/library.ts";
import { CheckpointError, trainerStateOf } from "../checkpoints/safetensors-checkpoint.ts";
import { Run, RunStateError } from "./run.ts";
import { replayTo } from "./replay.ts";
import { exportReport, importReport, readOnlyReason, REPORT_MAX_POINTS } from "../reports/run-reports.ts";
import { Spectra } from "./spectra.ts";

/** Receives a run's streamed events; a connection implements it with its bounded send queue. */
export interface Subscriber {
  metrics(runId: string, point: MetricPoint): void;
  snapshot(runId: string, seq: number, bytes: Uint8Array): void;
  state(message: ServerMessageOf<"state">): void;
  intervention(runId: string, record: InterventionRecord): void;
  annotation(runId: string, annotation: Annotation): void;
}

export type RunCommand = "start" | "pause" | "resume" | "stop";

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

interface LiveRun {
  run: Run;
  /** The last seq handed out for this run. */
  counter: { seq: number };
  checkpoint: { step: number; at: number; saving: boolean };
}

export interface RunManagerOptions {
  /** How often a live run's resumable state is saved (and on every pause). Default 10 s. */
  checkpointEveryMs?: number;
  /** Folder of named .safetensors checkpoints (save, inject, fork, uploads); without it those are refused. */
  checkpointsDir?: string;
}

/**
 * Owns the live runs: creates them from experiments, assigns each event its run-scoped seq, stores it,
 * and fans it out to subscribers. Runs never wait on subscribers: fan-out only enqueues.
 */
export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly progressTimer: NodeJS.Timeout;
  private readonly spectra: Spectra;
  private readonly library: CheckpointLibrary | null;

  constructor(
    private readonly store: RunStore,
    private readonly backend: string,
    private readonly experiments: Readonly<Record<string, Experiment<any>>>,
    /** Called whenever a run is created or changes state (the server broadcasts it). */
    private readonly onRunChange: (run: RunSummary) => void = () => {},
    private readonly opts: RunManagerOptions = {},
  ) {
    this.spectra = new Spectra(store);
    this.library = opts.checkpointsDir ? new CheckpointLibrary(opts.checkpointsDir) : null;
    this.flushTimer = setInterval(() => this.persistProgress(), 100);
    this.flushTimer.unref();
    // Run lists show each live run's step; states alone would leave them stale between transitions.
    this.progressTimer = setInterval(() => {
      for (const runId of this.live.keys()) this.onRunChange(this.get(runId));
    }, 1000);
    this.progressTimer.unref();
  }

  list(): RunSummary[] {
    return this.store.listRuns();
  }

  get(runId: string): RunSummary {
    const run = this.store.getRun(runId);
    if (!run) throw new NotFoundError(`no run with id "${runId}"`);
    return run;
  }

  /** Creates a run (validating the config) and starts it, unless `start` is false (it waits in "created"). */
  create(experimentId: string, partial: Config = {}, { start = true }: { start?: boolean } = {}): RunSummary {
    const { experiment, config } = this.configure(experimentId, partial);
    // Build the model first: a config that cannot be built must not leave a dead run in the store.
    const trainer = createTrainer(experiment, config);
    const runId = this.register(experimentId, config, trainer, null);
    this.adopt(runId, trainer, config, 0).init();
    return start ? this.command(runId, "start") : this.get(runId);
  }

  /**
   * A new run from a named checkpoint (parameters, optimizer state, data stream, step) or from a stored step of
   * a run (re-executed from its config and intervention log), its config edited by `edits`; paused, with its
   * parent recorded. A state that does not fit the edited config is refused.
   */
  async fork(from: CheckpointRef | { runId: string; step: number }, edits: Config = {}): Promise<RunSummary> {
    if ("step" in from) return this.forkFromStep(from.runId, from.step, edits);
    const contents = this.checkpoints().load(from.runId, from.name);
    if (!contents.origin) throw new CheckpointError([`${from.name} has no Orrery metadata (a file from elsewhere): inject it into a run instead`]);
    const { experiment, config } = this.configure(contents.origin.experiment, { ...contents.origin.config, ...edits });
    const trainer = createTrainer(experiment, config);
    try {
      assertCheckpointFits(contents, shapeOf(contents.origin.experiment, trainer));
      await trainer.loadState(trainerStateOf(contents));
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    const parent = { runId: from.runId, name: from.name, step: contents.origin.step };
    const runId = this.register(contents.origin.experiment, config, trainer, parent);
    this.adopt(runId, trainer, config, 0).initRestored(`forked from ${from.runId}/${from.name} at step ${parent.step}; resume to continue`);
    return this.get(runId);
  }

  private async forkFromStep(parentId: string, step: number, edits: Config): Promise<RunSummary> {
    const parent = this.get(parentId);
    if (parent.imported) throw new RunStateError(readOnlyReason(parent));
    // A live run's stored step lags its own by up to one store flush.
    const taken = this.live.get(parentId)?.run.step ?? parent.step;
    if (step > taken) throw new RunStateError(`run ${parentId} has taken ${taken} steps; cannot fork at step ${step}`);
    const experiment = this.experimentOf(parent.experiment);
    if (!experiment) throw new NotFoundError(`unknown experiment "${parent.experiment}"`);
    const replayed = await replayTo(experiment, parent.config, this.store.interventions(parentId), step, this.checkpointSources(parent.experiment));
    let trainer = replayed;
    const { config } = this.configure(parent.experiment, { ...parent.config, ...edits });
    if (Object.keys(edits).length) {
      trainer = createTrainer(experiment, config);
      try {
        await trainer.loadState(await replayed.saveState());
      } catch (e) {
        trainer.dispose();
        throw new CheckpointError([(e as Error).message]);
      } finally {
        replayed.dispose();
      }
    }
    const runId = this.register(parent.experiment, config, trainer, { runId: parentId, step });
    this.adopt(runId, trainer, config, 0).initRestored(`forked from run ${parentId} at step ${step}; resume to continue`);
    return this.get(runId);
  }

  /**
   * Named checkpoints as an intervention's source, checked against the run they go into (`into`; a replay
   * re-reads files its log already accepted).
   */
  private checkpointSources(experiment: string, into?: { trainer: Trainer; groups: readonly string[] | undefined }): InterventionSources {
    return {
      checkpoint: (from) => {
        const contents = this.checkpoints().load(from.runId, from.name);
        if (into) assertCheckpointFits(contents, shapeOf(experiment, into.trainer), into.groups);
        return { params: contents.params, optimizer: contents.optimizer, data: contents.origin?.data ?? null, step: contents.origin?.step ?? null };
      },
    };
  }

  /** Saves a live run's whole state as a named checkpoint file. */
  async saveNamedCheckpoint(runId: string, name: string): Promise<CheckpointEntry> {
    const run = this.liveRun(runId);
    const stored = this.get(runId);
    return this.checkpoints().save(runId, name, { experiment: stored.experiment, config: stored.config, state: await run.saveState() });
  }

  checkpointPath(runId: string, name: string): string {
    return this.checkpoints().path(runId, name);
  }

  listCheckpoints(runId?: string): CheckpointEntry[] {
    return this.checkpoints().list(runId);
  }

  uploadCheckpoint(name: string, bytes: Uint8Array): Promise<CheckpointEntry> {
    return this.checkpoints().upload(name, bytes);
  }

  private checkpoints(): CheckpointLibrary {
    if (!this.library) throw new CheckpointError(["this daemon keeps no checkpoint files (no checkpoints folder)"]);
    return this.library;
  }

  private configure(experimentId: string, partial: Config) {
    const experiment = this.experimentOf(experimentId);
    if (!experiment) throw new NotFoundError(`unknown experiment "${experimentId}"`);
    return { experiment, config: experiment.resolveConfig(partial) };
  }

  private register(experimentId: string, config: { steps: number }, trainer: Trainer, parent: RunSummary["parent"]): string {
    const runId = newRunId();
    this.store.createRun({
      runId,
      experiment: experimentId,
      config: config as unknown as Config,
      totalSteps: config.steps,
      backend: this.backend,
      createdAt: Date.now(),
      references: { ...trainer.problem.references },
      parent,
    });
    return runId;
  }

  /**
   * At daemon start: runs the store says were live have no process behind them any more. Each one with a
   * checkpoint is rebuilt from it, paused, its events after the checkpoint dropped (resuming recomputes them,
   * identically on the same backend); the others are marked interrupted.
   */
  async recover(): Promise<void> {
    for (const stored of this.store.listRuns()) {
      if (TERMINAL_STATES.includes(stored.state)) continue;
      const checkpoint = this.store.checkpoint(stored.runId);
      const experiment = this.experimentOf(stored.experiment);
      let reason = `interrupted: the daemon stopped while this run was ${stored.state} (step ${stored.step}) and no checkpoint was saved`;
      if (checkpoint && experiment) {
        try {
          const config = experiment.resolveConfig(stored.config);
          const trainer = createTrainer(experiment, config);
          await trainer.loadState(decodeCheckpoint(checkpoint));
          this.store.rewindTo(stored.runId, checkpoint.seq, checkpoint.step);
          this.adopt(stored.runId, trainer, config, checkpoint.seq).initRestored(
            `the daemon stopped at step ${stored.step}; restored from the checkpoint at step ${checkpoint.step} — resume to continue`,
          );
          continue;
        } catch (e) {
          reason = `interrupted at step ${stored.step}; its checkpoint could not be restored: ${(e as Error).message}`;
        }
      }
      this.onRunChange(this.store.updateRun(stored.runId, { state: "stopped", reason }));
    }
  }

  command(runId: string, command: RunCommand): RunSummary {
    const run = this.liveRun(runId);
    if (command === "start") run.start();
    else if (command === "pause") {
      run.pause();
      void this.saveCheckpoint(runId);
    }
    else if (command === "resume") run.resume();
    else run.stop();
    return this.get(runId);
  }

  step(runId: string, n: number): RunSummary {
    this.liveRun(runId).stepBy(n);
    return this.get(runId);
  }

  /** Measures `what` on a live run now (between two steps) and records it as a metric at its current step. */
  async measure(runId: string, what: MeasureKind): Promise<RunSummary> {
    await this.liveRun(runId).measure(what);
    return this.get(runId);
  }

  inspect(runId: string, input: string): { step: number; tensors: NamedTensor[] } {
    const run = this.liveRun(runId);
    return { step: run.step, tensors: run.inspect(input) };
  }

  /** Singular values of snapshot tensor `tensor` at up to `maxPoints` of the run's stored snapshot steps. */
  spectrum(runId: string, tensor: string, maxPoints: number): { steps: number[]; values: number[][] } {
    this.get(runId);
    return this.spectra.over(runId, tensor, maxPoints);
  }

  /**
   * Streams the run's live events to `subscriber` from now on, and returns the stored events with
   * seq > afterSeq (none without afterSeq) for the caller to send first: replay, then live, no gap.
   */
  subscribe(runId: string, subscriber: Subscriber, afterSeq?: number): StoredEvent[] {
    this.get(runId);
    const missed = afterSeq === undefined ? [] : this.store.eventsAfter(runId, afterSeq);
    let set = this.subscribers.get(runId);
    if (!set) this.subscribers.set(runId, (set = new Set()));
    set.add(subscriber);
    return missed;
  }

  unsubscribe(runId: string, subscriber: Subscriber): void {
    this.subscribers.get(runId)?.delete(subscriber);
  }

  /** Unsubscribes `subscriber` from every run; returns the runs it was watching. */
  unsubscribeAll(subscriber: Subscriber): string[] {
    const left: string[] = [];
    for (const [runId, set] of this.subscribers) if (set.delete(subscriber)) left.push(runId);
    return left;
  }

  subscribersOf(runId: string): Subscriber[] {
    return [...(this.subscribers.get(runId) ?? [])];
  }

  /** Store reads flush pending events first, so history includes what was just produced. */
  history(runId: string, maxPoints: number) {
    const stored = this.get(runId);
    return {
      series: this.store.metricSeries(runId, maxPoints),
      snapshotSteps: this.store.snapshotSteps(runId),
      lastSeq: this.live.get(runId)?.counter.seq ?? stored.lastSeq,
      interventions: this.store.interventions(runId),
      annotations: this.store.annotations(runId),
    };
  }

  /** The run's static report: config, curves, a bounded selection of snapshots, intervention log, comments. */
  report(runId: string): RunReport {
    const run = this.get(runId);
    return exportReport(this.store, run, this.experimentOf(run.experiment)?.info ?? null, this.history(runId, REPORT_MAX_POINTS));
  }

  /** A new run from a report: finished and read-only (marked imported), announced like any new run. */
  importReport(report: RunReport): RunSummary {
    const run = importReport(this.store, report, newRunId());
    this.onRunChange(run);
    return run;
  }

  /** Pins a comment to a step of any run (live or not): stored in its event stream and sent to its viewers. */
  annotate(runId: string, step: number, text: string, by: string): Annotation {
    const stored = this.get(runId);
    const live = this.live.get(runId);
    const seq = live ? ++live.counter.seq : stored.lastSeq + 1;
    if (!live) this.store.updateRun(runId, { lastSeq: seq });
    const annotation: Annotation = { seq, step: Math.min(step, live ? live.run.step : stored.step), at: Date.now(), by, text };
    this.store.appendAnnotation(runId, annotation);
    this.subscribers.get(runId)?.forEach((s) => s.annotation(runId, annotation));
    return annotation;
  }

  /**
   * Applies an intervention to a live run now (between two steps), stores it in the run's log and streams it.
   * Random presets without a seed get one here, so the log replays exactly. A refused one changes nothing.
   */
  intervene(runId: string, intervention: Intervention, by: string): InterventionRecord {
    const run = this.liveRun(runId);
    const applied = withSeed(intervention);
    const stored = this.get(runId);
    const groups = applied.kind === "inject" ? applied.groups : undefined;
    const summary = run.intervene(applied, this.checkpointSources(stored.experiment, { trainer: run.trainerForChecks, groups }));
    const counter = this.live.get(runId)!.counter;
    const record: InterventionRecord = { seq: ++counter.seq, step: run.step, at: Date.now(), by, intervention: applied, summary };
    this.store.appendIntervention(runId, record);
    this.subscribers.get(runId)?.forEach((s) => s.intervention(runId, record));
    run.snapshotNow(); // viewers see a set value at once, not at the next scheduled snapshot
    if (applied.kind === "data") this.onRunChange(this.store.setReferences(runId, { ...run.trainerForChecks.problem.references }));
    return record;
  }

  parameters(runId: string) {
    return this.liveRun(runId).parameters();
  }

  /** Each run's final metric values, by run id (an unknown id throws NotFoundError). */
  finalMetrics(runIds: readonly string[]): Record<string, Record<string, number | null>> {
    const out: Record<string, Record<string, number | null>> = {};
    for (const runId of runIds) {
      this.get(runId);
      out[runId] = this.store.finalMetrics(runId);
    }
    return out;
  }

  /** The stored snapshot nearest at or before `step`, re-framed to answer request `requestId`. */
  snapshotAt(runId: string, step: number, requestId: string): Uint8Array {
    this.get(runId);
    const found = this.store.snapshotAt(runId, step);
    if (!found) throw new NotFoundError(`run "${runId}" has no stored snapshot`);
    return encodeSnapshotFrame({ ...decodeSnapshotFrame(found.bytes), requestId });
  }

  /** Pauses every live run, checkpoints it (so the next daemon start restores it) and flushes the store. */
  async shutdown(reason: string): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.progressTimer);
    for (const [runId, { run }] of [...this.live]) {
      // A run created paused has taken no step: it is saved as it is (and restored paused).
      if (run.state !== "created") run.pause(`${reason} at step ${run.step}`);
      await this.saveCheckpoint(runId);
    }
    this.persistProgress();
  }

  private experimentOf(id: string): Experiment<any> | undefined {
    return Object.hasOwn(this.experiments, id) ? this.experiments[id] : undefined;
  }

  private adopt(runId: string, trainer: ReturnType<typeof createTrainer>, config: { steps: number; snapshot_every: number }, seq: number): Run {
    const shards = shardPoolFor(this.get(runId).experiment, config, this.backend, trainer.problem.shardGradients !== undefined);
    if (shards) trainer.useShards(shards);
    const counter = { seq };
    const run = new Run(runId, trainer, this.eventsFor(runId, counter), {
      totalSteps: config.steps,
      snapshotEvery: config.snapshot_every,
    });
    this.live.set(runId, { run, counter, checkpoint: { step: trainer.step, at: Date.now(), saving: false } });
    return run;
  }

  /** Saves the run's resumable state with the seq of its last event; skipped while one is being saved. */
  private async saveCheckpoint(runId: string): Promise<void> {
    const entry = this.live.get(runId);
    if (!entry || entry.checkpoint.saving || entry.run.isTerminal) return;
    entry.checkpoint.saving = true;
    try {
      const state = await entry.run.saveState();
      this.store.saveCheckpoint(runId, encodeCheckpoint(runId, entry.counter.seq, state));
      entry.checkpoint.step = state.step;
    } finally {
      entry.checkpoint.at = Date.now();
      entry.checkpoint.saving = false;
    }
  }

  private liveRun(runId: string): Run {
    const entry = this.live.get(runId);
    if (entry) return entry.run;
    const stored = this.get(runId);
    if (stored.imported) throw new RunStateError(readOnlyReason(stored));
    throw new RunStateError(`run ${runId} is ${stored.state} and no longer live in this daemon`);
  }

  private eventsFor(runId: string, counter: LiveRun["counter"]) {
    const fanOut = (fn: (s: Subscriber) => void) => this.subscribers.get(runId)?.forEach(fn);
    return {
      metrics: (step: number, values: Record<string, number>) => {
        const point: MetricPoint = { seq: ++counter.seq, step, values: finiteOrNull(values) };
        this.store.appendMetrics(runId, [point]);
        fanOut((s) => s.metrics(runId, point));
      },
      snapshot: (step: number, tensors: Parameters<typeof encodeSnapshotFrame>[0]["tensors"]) => {
        const seq = ++counter.seq;
        const bytes = encodeSnapshotFrame({ runId, seq, step, tensors });
        this.store.appendSnapshot(runId, { seq, step, bytes });
        fanOut((s) => s.snapshot(runId, seq, bytes));
      },
      state: (step: number, state: RunState, reason: string | null) => {
        const seq = ++counter.seq;
        this.store.appendState(runId, { seq, step, state, reason });
        const summary = this.store.updateRun(runId, { state, reason, step, lastSeq: seq });
        fanOut((s) => s.state({ type: "state", runId, seq, step, state, reason }));
        this.onRunChange(summary);
        if (TERMINAL_STATES.includes(state)) this.live.delete(runId);
      },
    };
  }

  /** Writes buffered events and each live run's step/seq, and checkpoints runs whose checkpoint is due. */
  private persistProgress(): void {
    const every = this.opts.checkpointEveryMs ?? 10_000;
    for (const [runId, { run, counter, checkpoint }] of this.live) {
      this.store.updateRun(runId, { step: run.step, lastSeq: counter.seq });
      if (run.step !== checkpoint.step && Date.now() - checkpoint.at >= every) void this.saveCheckpoint(runId);
    }
    this.store.flush();
  }
}

/** What a checkpoint must match to load into a run: its experiment and parameter shapes. */
function shapeOf(experiment: string, trainer: Trainer): RunShape {
  return { experiment, shapes: Object.fromEntries(trainer.groups.map((g) => [g, trainer.problem.params[g]!.shape])) };
}

/** Draws a seed for a random preset that came without one (so that the logged intervention is reproducible). */
function withSeed(intervention: Intervention): Intervention {
  if (intervention.kind !== "set") return intervention;
  const { value } = intervention;
  if ((value.preset === "normal" || value.preset === "add_noise") && value.seed === undefined) {
    return { ...intervention, value: { ...value, seed: randomBytes(4).readUInt32LE() >>> 1 } };
  }
  return intervention;
}

const finiteOrNull = (values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));

const newRunId = () => `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
