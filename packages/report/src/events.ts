import {
  encodeSnapshotFrame,
  type Annotation, type InterventionRecord, type MetricPoint, type RunReport, type RunState,
} from "@orrery/protocol";

/** A stored event of an imported run (the store's event shapes). */
export type ImportEvent =
  | { kind: "metrics"; point: MetricPoint }
  | { kind: "state"; seq: number; step: number; state: RunState; reason: string | null }
  | { kind: "snapshot"; seq: number; step: number; bytes: Uint8Array }
  | { kind: "intervention"; seq: number; record: InterventionRecord }
  | { kind: "annotation"; seq: number; annotation: Annotation };

type Pending = { step: number; rank: number; make: (seq: number) => ImportEvent };

/**
 * The event stream of a run re-created from `report` under the id `runId`: its curves as metric points, its
 * snapshots as frames, its interventions and comments, renumbered 1..n in step order (at one step: metrics,
 * snapshot, interventions, comments), and a last state event `state` with `reason`.
 */
export function reportEvents(report: RunReport, runId: string, state: RunState, reason: string): { events: ImportEvent[]; lastSeq: number } {
  const pending: Pending[] = [];
  for (const point of pointsOf(report.series)) {
    pending.push({ step: point.step, rank: 0, make: (seq) => ({ kind: "metrics", point: { ...point, seq } }) });
  }
  for (const snap of report.snapshots) {
    const tensors = snap.tensors.map((t) => ({ name: t.name, shape: t.shape, data: Float32Array.from(t.values, (v) => v ?? NaN) }));
    pending.push({
      step: snap.step,
      rank: 1,
      make: (seq) => ({ kind: "snapshot", seq, step: snap.step, bytes: encodeSnapshotFrame({ runId, seq, step: snap.step, tensors }) }),
    });
  }
  for (const record of report.interventions) {
    pending.push({ step: record.step, rank: 2, make: (seq) => ({ kind: "intervention", seq, record: { ...record, seq } }) });
  }
  for (const annotation of report.annotations) {
    pending.push({ step: annotation.step, rank: 3, make: (seq) => ({ kind: "annotation", seq, annotation: { ...annotation, seq } }) });
  }
  // Array.prototype.sort is stable: entries of one kind at one step keep their order.
  pending.sort((a, b) => a.step - b.step || a.rank - b.rank);
  const events = pending.map((p, i) => p.make(i + 1));
  const lastSeq = events.length + 1;
  const lastStep = Math.max(report.run.step, pending.at(-1)?.step ?? 0);
  events.push({ kind: "state", seq: lastSeq, step: lastStep, state, reason });
  return { events, lastSeq };
}

/**
 * Metric series (one per metric) back into points (one per step, all metrics recorded at it); a metric recorded
 * twice at one step goes into a second point at that step. Ascending by step.
 */
export function pointsOf(series: RunReport["series"]): Omit<MetricPoint, "seq">[] {
  const byStep = new Map<number, Array<Record<string, number | null>>>();
  for (const [name, s] of Object.entries(series)) {
    const seen = new Map<number, number>();
    s.step.forEach((step, i) => {
      const k = seen.get(step) ?? 0;
      seen.set(step, k + 1);
      let points = byStep.get(step);
      if (!points) byStep.set(step, (points = []));
      (points[k] ??= {})[name] = s.value[i] ?? null;
    });
  }
  return [...byStep.keys()].sort((a, b) => a - b).flatMap((step) => byStep.get(step)!.map((values) => ({ step, values })));
}
