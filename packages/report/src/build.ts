import {
  REPORT_FORMAT, REPORT_VERSION, sizeOf,
  type Annotation, type ExperimentInfo, type InterventionRecord, type ReportSnapshot, type RunReport, type RunSummary, type Series, type SnapshotFrame,
} from "@orrery/protocol";

/** What a report is built from: the run's stored record, read through the daemon's own paths. */
export interface ReportSource {
  run: RunSummary;
  experiment: ExperimentInfo | null;
  /** Downsampled metric series (the `history` answer's). */
  series: Record<string, Series>;
  snapshotSteps: readonly number[];
  interventions: readonly InterventionRecord[];
  annotations: readonly Annotation[];
  /** The stored snapshot at `step`, decoded. */
  snapshotAt(step: number): SnapshotFrame | undefined;
}

export interface ReportLimits {
  /** Evenly spaced snapshots to embed, besides the last one (default 24). */
  snapshots?: number;
  /** A tensor with more values than this is left out (default 65 536). */
  tensorValues?: number;
  /** All embedded snapshot values together (default 1 000 000, about 10 MB of JSON); fewer snapshots if needed. */
  totalValues?: number;
}

export const DEFAULT_LIMITS: Required<ReportLimits> = { snapshots: 24, tensorValues: 65_536, totalValues: 1_000_000 };

/** `n` evenly spaced entries of ascending `steps`, always with the first and the last (all of them if few). */
export function evenlySpaced(steps: readonly number[], n: number): number[] {
  if (steps.length <= n) return [...steps];
  if (n <= 1) return steps.length ? [steps[steps.length - 1]!] : [];
  const picked = new Set<number>();
  for (let i = 0; i < n; i++) picked.add(steps[Math.round((i * (steps.length - 1)) / (n - 1))]!);
  return [...picked];
}

/** A float32 written with the 9 significant digits that bring it back exactly; null where not finite. */
const compact = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(9)) : null);

/** Builds a report: the run's curves, log and comments whole, and a bounded selection of its snapshots. */
export function buildRunReport(source: ReportSource, limits: ReportLimits = {}, now = Date.now()): RunReport {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const omitted: string[] = [];
  const steps = [...source.snapshotSteps];
  const last = steps.length ? source.snapshotAt(steps[steps.length - 1]!) : undefined;

  const tooLarge = new Set<string>();
  for (const t of last?.tensors ?? []) {
    if (sizeOf(t.shape) > lim.tensorValues) {
      tooLarge.add(t.name);
      omitted.push(`tensor ${t.name} [${t.shape.join("×")}]: ${sizeOf(t.shape)} values, above the ${lim.tensorValues} a report embeds`);
    }
  }
  const perSnapshot = (last?.tensors ?? []).reduce((n, t) => n + (tooLarge.has(t.name) ? 0 : sizeOf(t.shape)), 0);
  const wanted = lim.snapshots + 1;
  const affordable = perSnapshot > 0 ? Math.max(1, Math.floor(lim.totalValues / perSnapshot)) : wanted;
  const count = Math.min(wanted, affordable);
  const picked = evenlySpaced(steps, count);
  if (steps.length > picked.length) {
    omitted.push(`snapshots: ${picked.length} of the run's ${steps.length} stored steps are embedded${count < wanted ? ` (each holds ${perSnapshot} values; the report keeps at most ${lim.totalValues})` : ""}`);
  }

  const snapshots: ReportSnapshot[] = [];
  for (const step of picked) {
    const frame = step === last?.step ? last : source.snapshotAt(step);
    if (!frame) continue;
    snapshots.push({
      step: frame.step,
      tensors: frame.tensors
        .filter((t) => !tooLarge.has(t.name) && sizeOf(t.shape) <= lim.tensorValues)
        .map((t) => ({ name: t.name, shape: [...t.shape], values: Array.from(t.data, compact) })),
    });
  }

  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    exportedAt: now,
    run: source.run,
    experiment: source.experiment,
    series: source.series,
    snapshotSteps: steps,
    snapshots,
    omitted,
    interventions: [...source.interventions],
    annotations: [...source.annotations],
  };
}

/** A file name for the report of `run`: `orrery-<experiment>-<runId>.<ext>` with only safe characters. */
export function reportFileName(run: Pick<RunSummary, "runId" | "experiment">, ext: "html" | "json"): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 64);
  return `orrery-${safe(run.experiment)}-${safe(run.runId)}.${ext}`;
}
