import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Annotation, Config, InterventionRecord, MetricPoint, RunState, RunSummary, Series } from "@orrery/protocol";
import { migrate } from "./schema.ts";
import { blockWriter } from "./blocks.ts";
import { seriesReader } from "./downsample.ts";
import { finalsReader } from "./finals.ts";
import { linkTable } from "./links.ts";
import { recordLog } from "./record-log.ts";
import { walCheckpoints, type WalCheckpoints } from "./wal-checkpoints.ts";

export interface NewRun {
  runId: string;
  experiment: string;
  config: Config;
  totalSteps: number;
  backend: string;
  createdAt: number;
  /** Reference lines that depend on this run's config (e.g. the exact optimum). */
  references?: RunSummary["references"];
  parent?: RunSummary["parent"];
}

/** A finished run brought in whole from a report (see `importRun`). */
export interface ImportedRun extends NewRun {
  state: RunState;
  reason: string | null;
  step: number;
  lastSeq: number;
  imported: NonNullable<RunSummary["imported"]>;
}

export type StoredEvent =
  | { kind: "metrics"; point: MetricPoint }
  | { kind: "state"; seq: number; step: number; state: RunState; reason: string | null }
  | { kind: "snapshot"; seq: number; step: number; bytes: Uint8Array }
  | { kind: "intervention"; seq: number; record: InterventionRecord }
  | { kind: "annotation"; seq: number; annotation: Annotation };

export interface StoredSnapshot {
  seq: number;
  step: number;
  bytes: Uint8Array;
}

/** A run's latest resumable state: `bytes` and `meta` are the daemon's encoding, opaque here. */
export interface StoredCheckpoint {
  seq: number;
  step: number;
  meta: string;
  bytes: Uint8Array;
}

/** Pending rows above this are flushed at once, without waiting for the caller's timer. */
const AUTO_FLUSH_ROWS = 1000;

interface RunRow {
  run_id: string;
  experiment: string;
  config: string;
  state: string;
  reason: string | null;
  step: number;
  total_steps: number;
  last_seq: number;
  backend: string;
  created_at: number;
  updated_at: number;
  refs: string;
  parent: string | null;
  imported: string | null;
}
type MetricRow = { run: string; seq: number; step: number; name: string; value: number | null };
type StateRow = { run: string; seq: number; step: number; state: string; reason: string | null };
type SnapshotRow = { run: string; seq: number; step: number; bytes: Buffer };

const toSummary = (r: RunRow): RunSummary => ({
  runId: r.run_id,
  experiment: r.experiment,
  config: JSON.parse(r.config) as Config,
  state: r.state as RunState,
  reason: r.reason,
  step: r.step,
  totalSteps: r.total_steps,
  lastSeq: r.last_seq,
  backend: r.backend,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  references: JSON.parse(r.refs) as RunSummary["references"],
  parent: r.parent === null ? null : (JSON.parse(r.parent) as RunSummary["parent"]),
  ...(r.imported !== null && { imported: JSON.parse(r.imported) as RunSummary["imported"] }),
});

const seqOf = (e: StoredEvent) => (e.kind === "metrics" ? e.point.seq : e.seq);

function prepare(db: Database.Database) {
  return {
    insertRun: db.prepare<RunRow>(`
      INSERT INTO runs (run_id, experiment, config, state, reason, step, total_steps, last_seq, backend, created_at, updated_at, refs, parent, imported)
      VALUES (@run_id, @experiment, @config, @state, @reason, @step, @total_steps, @last_seq, @backend, @created_at, @updated_at, @refs, @parent, @imported)`),
    updateRun: db.prepare<Pick<RunRow, "run_id" | "state" | "reason" | "step" | "last_seq" | "updated_at">>(`
      UPDATE runs SET state = @state, reason = @reason, step = @step, last_seq = @last_seq, updated_at = @updated_at
      WHERE run_id = @run_id`),
    getRun: db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE run_id = ?`),
    setRefs: db.prepare<[string, string]>(`UPDATE runs SET refs = ? WHERE run_id = ?`),
    listRuns: db.prepare<[], RunRow>(`SELECT * FROM runs ORDER BY created_at DESC, rowid DESC`),
    insertMetric: db.prepare<MetricRow>(`INSERT INTO metrics (run_id, seq, step, name, value) VALUES (@run, @seq, @step, @name, @value)`),
    insertState: db.prepare<StateRow>(`INSERT INTO states (run_id, seq, step, state, reason) VALUES (@run, @seq, @step, @state, @reason)`),
    insertSnapshot: db.prepare<SnapshotRow>(`INSERT INTO snapshots (run_id, seq, step, bytes) VALUES (@run, @seq, @step, @bytes)`),
    // rowid keeps a point's values in the order they were appended.
    metricsAfter: db.prepare<[string, number], Omit<MetricRow, "run">>(`
      SELECT seq, step, name, value FROM metrics WHERE run_id = ? AND seq > ? ORDER BY seq, rowid`),
    statesAfter: db.prepare<[string, number], Omit<StateRow, "run">>(`
      SELECT seq, step, state, reason FROM states WHERE run_id = ? AND seq > ? ORDER BY seq`),
    snapshotsAfter: db.prepare<[string, number], Omit<SnapshotRow, "run">>(`
      SELECT seq, step, bytes FROM snapshots WHERE run_id = ? AND seq > ? ORDER BY seq`),
    putCheckpoint: db.prepare<{ run: string; seq: number; step: number; meta: string; bytes: Buffer }>(`
      INSERT OR REPLACE INTO checkpoints (run_id, seq, step, meta, bytes) VALUES (@run, @seq, @step, @meta, @bytes)`),
    getCheckpoint: db.prepare<[string], StoredCheckpoint>(`SELECT seq, step, meta, bytes FROM checkpoints WHERE run_id = ?`),
    // Per metric, the first step of the events after seq (their summary blocks are recomputed on a rewind).
    metricStepsAfter: db.prepare<[string, number], { name: string; step: number }>(`
      SELECT name, MIN(step) AS step FROM metrics WHERE run_id = ? AND seq > ? GROUP BY name`),
    deleteMetricsAfter: db.prepare<[string, number]>(`DELETE FROM metrics WHERE run_id = ? AND seq > ?`),
    deleteStatesAfter: db.prepare<[string, number]>(`DELETE FROM states WHERE run_id = ? AND seq > ?`),
    deleteSnapshotsAfter: db.prepare<[string, number]>(`DELETE FROM snapshots WHERE run_id = ? AND seq > ?`),
    // Plucked: a long run has tens of thousands (a row object each cost ~2x the query).
    snapshotSteps: db.prepare<[string], number>(`SELECT DISTINCT step FROM snapshots WHERE run_id = ? ORDER BY step`).pluck(),
    snapshotAtOrBefore: db.prepare<[string, number], StoredSnapshot>(`
      SELECT seq, step, bytes FROM snapshots WHERE run_id = ? AND step <= ? ORDER BY step DESC, seq DESC LIMIT 1`),
    firstSnapshot: db.prepare<[string], StoredSnapshot>(`
      SELECT seq, step, bytes FROM snapshots WHERE run_id = ? ORDER BY step, seq LIMIT 1`),
  };
}

export class RunStore {
  private readonly q: ReturnType<typeof prepare>;
  private readonly readSeries: (runId: string, maxPoints: number) => Record<string, Series>;
  private readonly readFinals: (runId: string) => Record<string, number | null>;
  /** Share links (see links.ts). */
  readonly links: ReturnType<typeof linkTable>;
  private readonly interventionLog: ReturnType<typeof recordLog<InterventionRecord>>;
  private readonly annotationLog: ReturnType<typeof recordLog<Annotation>>;
  private readonly blocks: ReturnType<typeof blockWriter>;
  private readonly writePending: () => void;
  private pendingMetrics: MetricRow[] = [];
  private pendingStates: StateRow[] = [];
  private pendingSnapshots: SnapshotRow[] = [];

  static open(file: string): RunStore {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    migrate(db);
    return new RunStore(db, file === ":memory:" ? null : walCheckpoints(db, file));
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly checkpoints: WalCheckpoints | null = null,
  ) {
    this.q = prepare(db);
    this.readSeries = seriesReader(db);
    this.readFinals = finalsReader(db);
    this.links = linkTable(db);
    this.interventionLog = recordLog<InterventionRecord>(db, "interventions");
    this.annotationLog = recordLog<Annotation>(db, "annotations");
    this.blocks = blockWriter(db);
    this.writePending = db.transaction(() => {
      for (const r of this.pendingMetrics) this.q.insertMetric.run(r);
      this.blocks.add(this.pendingMetrics);
      for (const r of this.pendingStates) this.q.insertState.run(r);
      for (const r of this.pendingSnapshots) this.q.insertSnapshot.run(r);
    });
  }

  createRun(r: NewRun): RunSummary {
    const row: RunRow = {
      run_id: r.runId,
      experiment: r.experiment,
      config: JSON.stringify(r.config),
      state: "created",
      reason: null,
      step: 0,
      total_steps: r.totalSteps,
      last_seq: 0,
      backend: r.backend,
      created_at: r.createdAt,
      updated_at: r.createdAt,
      refs: JSON.stringify(r.references ?? {}),
      parent: r.parent ? JSON.stringify(r.parent) : null,
      imported: null,
    };
    this.q.insertRun.run(row);
    return toSummary(row);
  }

  /**
   * Creates a run whole, with its events (seq-ordered, seqs up to `r.lastSeq`), in one transaction: a run
   * imported from a report. Nothing of it is written if any part fails.
   */
  importRun(r: ImportedRun, events: readonly StoredEvent[]): RunSummary {
    this.flush();
    this.db.transaction(() => {
      this.q.insertRun.run({
        run_id: r.runId,
        experiment: r.experiment,
        config: JSON.stringify(r.config),
        state: r.state,
        reason: r.reason,
        step: r.step,
        total_steps: r.totalSteps,
        last_seq: r.lastSeq,
        backend: r.backend,
        created_at: r.createdAt,
        updated_at: r.createdAt,
        refs: JSON.stringify(r.references ?? {}),
        parent: r.parent ? JSON.stringify(r.parent) : null,
        imported: JSON.stringify(r.imported),
      });
      const run = r.runId;
      const metrics: MetricRow[] = [];
      for (const e of events) {
        if (e.kind === "metrics") {
          for (const [name, v] of Object.entries(e.point.values)) {
            const row = { run, seq: e.point.seq, step: e.point.step, name, value: v !== null && Number.isFinite(v) ? v : null };
            this.q.insertMetric.run(row);
            metrics.push(row);
          }
        } else if (e.kind === "state") this.q.insertState.run({ run, seq: e.seq, step: e.step, state: e.state, reason: e.reason });
        else if (e.kind === "snapshot") this.q.insertSnapshot.run({ run, seq: e.seq, step: e.step, bytes: Buffer.from(e.bytes) });
        else if (e.kind === "intervention") this.interventionLog.append(run, e.record);
        else this.annotationLog.append(run, e.annotation);
      }
      this.blocks.add(metrics);
    })();
    return this.getRun(r.runId)!;
  }

  updateRun(runId: string, patch: Partial<Pick<RunSummary, "state" | "reason" | "step" | "lastSeq">>): RunSummary {
    const current = this.getRun(runId);
    if (!current) throw new Error(`unknown run "${runId}"`);
    const next: RunSummary = {
      ...current,
      state: patch.state ?? current.state,
      reason: patch.reason === undefined ? current.reason : patch.reason,
      step: patch.step ?? current.step,
      lastSeq: patch.lastSeq ?? current.lastSeq,
      updatedAt: Date.now(),
    };
    this.q.updateRun.run({
      run_id: runId,
      state: next.state,
      reason: next.reason,
      step: next.step,
      last_seq: next.lastSeq,
      updated_at: next.updatedAt,
    });
    return next;
  }

  /** Replaces the run's chart reference lines (a data intervention can move an optimum). */
  setReferences(runId: string, references: RunSummary["references"]): RunSummary {
    this.q.setRefs.run(JSON.stringify(references), runId);
    return this.getRun(runId)!;
  }

  getRun(runId: string): RunSummary | undefined {
    const row = this.q.getRun.get(runId);
    return row && toSummary(row);
  }

  /** Newest first. */
  listRuns(): RunSummary[] {
    return this.q.listRuns.all().map(toSummary);
  }

  appendMetrics(runId: string, points: MetricPoint[]): void {
    for (const { seq, step, values } of points) {
      for (const [name, v] of Object.entries(values)) {
        this.pendingMetrics.push({ run: runId, seq, step, name, value: v !== null && Number.isFinite(v) ? v : null });
      }
    }
    this.flushIfFull();
  }

  appendState(runId: string, ev: { seq: number; step: number; state: RunState; reason: string | null }): void {
    this.pendingStates.push({ run: runId, seq: ev.seq, step: ev.step, state: ev.state, reason: ev.reason });
    this.flushIfFull();
  }

  appendSnapshot(runId: string, ev: { seq: number; step: number; bytes: Uint8Array }): void {
    // Copied: the caller may reuse its buffer before the next flush.
    this.pendingSnapshots.push({ run: runId, seq: ev.seq, step: ev.step, bytes: Buffer.from(ev.bytes) });
    this.flushIfFull();
  }

  /** Interventions are rare and must never be lost: written at once, not batched. */
  appendIntervention(runId: string, record: InterventionRecord): void {
    this.interventionLog.append(runId, record);
  }

  /** Comments are rare and must never be lost: written at once. */
  appendAnnotation(runId: string, a: Annotation): void {
    this.annotationLog.append(runId, a);
  }

  annotations(runId: string): Annotation[] {
    return this.annotationLog.all(runId);
  }

  /** The run's intervention log, in the order applied. */
  interventions(runId: string): InterventionRecord[] {
    return this.interventionLog.all(runId);
  }

  /** Writes every pending append in one transaction. On failure the rows stay pending for the next flush. */
  flush(): void {
    if (this.pendingRows() === 0) return;
    this.writePending();
    this.pendingMetrics = [];
    this.pendingStates = [];
    this.pendingSnapshots = [];
  }

  /** Every stored event of the run with seq > afterSeq, in seq order (flushes first). limit defaults to 100_000. */
  eventsAfter(runId: string, afterSeq: number, limit = 100_000): StoredEvent[] {
    this.flush();
    const cursors = [
      this.metricEvents(runId, afterSeq),
      this.stateEvents(runId, afterSeq),
      this.snapshotEvents(runId, afterSeq),
      this.interventionEvents(runId, afterSeq),
      this.annotationEvents(runId, afterSeq),
    ]
      .map((it) => ({ it, event: it.next().value ?? undefined }));
    const out: StoredEvent[] = [];
    try {
      while (out.length < limit) {
        let next: (typeof cursors)[number] | undefined;
        for (const c of cursors) if (c.event && (!next?.event || seqOf(c.event) < seqOf(next.event))) next = c;
        if (!next?.event) break;
        out.push(next.event);
        next.event = next.it.next().value ?? undefined;
      }
    } finally {
      for (const c of cursors) c.it.return(); // closes the statements' open cursors
    }
    return out;
  }

  /** Downsampled metric series, one per metric name (flushes first). */
  metricSeries(runId: string, maxPoints: number): Record<string, Series> {
    this.flush();
    return this.readSeries(runId, maxPoints);
  }

  /** Per metric, the value at its last stored step (null: not finite); flushes first. */
  finalMetrics(runId: string): Record<string, number | null> {
    this.flush();
    return this.readFinals(runId);
  }

  /** Steps that have a stored snapshot, ascending (flushes first). */
  snapshotSteps(runId: string): number[] {
    this.flush();
    return this.q.snapshotSteps.all(runId);
  }

  /** Stored snapshot with the largest step <= step; if none, the earliest one; undefined if the run has none (flushes first). */
  snapshotAt(runId: string, step: number): StoredSnapshot | undefined {
    this.flush();
    return this.q.snapshotAtOrBefore.get(runId, step) ?? this.q.firstSnapshot.get(runId);
  }

  /** Flushes, then closes. Closing twice is harmless. */
  /** Replaces the run's checkpoint (events up to `seq` are flushed first, so the two agree). */
  saveCheckpoint(runId: string, c: StoredCheckpoint): void {
    this.flush();
    this.q.putCheckpoint.run({ run: runId, seq: c.seq, step: c.step, meta: c.meta, bytes: Buffer.from(c.bytes) });
  }

  checkpoint(runId: string): StoredCheckpoint | undefined {
    return this.q.getCheckpoint.get(runId);
  }

  /**
   * Forgets the run's events after `seq` (those a killed daemon recorded past its last checkpoint; the resumed
   * run recomputes them) and sets its step and lastSeq back to the checkpoint's.
   */
  rewindTo(runId: string, seq: number, step: number): RunSummary {
    this.flush();
    this.db.transaction(() => {
      const rewound = this.q.metricStepsAfter.all(runId, seq);
      this.q.deleteMetricsAfter.run(runId, seq);
      for (const { name, step } of rewound) this.blocks.rebuild(runId, name, step);
      this.q.deleteStatesAfter.run(runId, seq);
      this.q.deleteSnapshotsAfter.run(runId, seq);
      this.interventionLog.deleteAfter(runId, seq);
      this.annotationLog.deleteAfter(runId, seq);
    })();
    return this.updateRun(runId, { step, lastSeq: seq });
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.checkpoints?.stop();
    this.db.close();
  }

  private pendingRows(): number {
    return this.pendingMetrics.length + this.pendingStates.length + this.pendingSnapshots.length;
  }

  private flushIfFull(): void {
    if (this.pendingRows() > AUTO_FLUSH_ROWS) this.flush();
  }

  private *metricEvents(runId: string, afterSeq: number): Generator<StoredEvent, void> {
    let point: MetricPoint | undefined;
    for (const r of this.q.metricsAfter.iterate(runId, afterSeq)) {
      if (point?.seq !== r.seq) {
        if (point) yield { kind: "metrics", point };
        point = { seq: r.seq, step: r.step, values: {} };
      }
      point.values[r.name] = r.value;
    }
    if (point) yield { kind: "metrics", point };
  }

  private *stateEvents(runId: string, afterSeq: number): Generator<StoredEvent, void> {
    for (const r of this.q.statesAfter.iterate(runId, afterSeq)) {
      yield { kind: "state", seq: r.seq, step: r.step, state: r.state as RunState, reason: r.reason };
    }
  }

  private *snapshotEvents(runId: string, afterSeq: number): Generator<StoredEvent, void> {
    for (const r of this.q.snapshotsAfter.iterate(runId, afterSeq)) yield { kind: "snapshot", ...r };
  }

  private *annotationEvents(runId: string, afterSeq: number): Generator<StoredEvent, void> {
    for (const annotation of this.annotationLog.after(runId, afterSeq)) yield { kind: "annotation", seq: annotation.seq, annotation };
  }

  private *interventionEvents(runId: string, afterSeq: number): Generator<StoredEvent, void> {
    for (const record of this.interventionLog.after(runId, afterSeq)) yield { kind: "intervention", seq: record.seq, record };
  }
}
