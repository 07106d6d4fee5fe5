import { COMMON_METRICS, type ExperimentInfo, type MetricInfo, type RunState } from "@orrery/protocol";
import type { ConnectionView, RunData, RunView, SeriesView, SnapshotView, TensorData, UiState } from "./types.ts";

export const TERMINAL: readonly RunState[] = ["stopped", "finished", "failed"];

export const isConnected = (s: UiState) => s.connection.status === "connected";

export const selectedRun = (s: UiState): RunView | null => (s.selectedRunId ? (s.runs[s.selectedRunId] ?? null) : null);

export const selectedData = (s: UiState): RunData | null => (s.selectedRunId ? (s.data[s.selectedRunId] ?? null) : null);

/** The step to show for a run: whichever is furthest of the summary and the streamed events. */
export function currentStep(s: UiState, runId: string | null): number | null {
  if (!runId) return null;
  const run = s.runs[runId];
  const data = s.data[runId];
  if (!run && !data) return null;
  return Math.max(run?.step ?? 0, data?.liveStep ?? 0);
}

/** Newest first. */
export function runList(s: UiState): RunView[] {
  return Object.values(s.runs).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

export function experimentById(s: UiState, id: string | null | undefined): ExperimentInfo | null {
  return s.experiments.find((e) => e.id === id) ?? null;
}

export const isLive = (s: UiState) => s.scrub === null || s.scrub.runId !== s.selectedRunId;

/** The snapshot the tensor views draw: the scrubbed one when pinned, else the latest streamed. */
export function displayedSnapshot(s: UiState): SnapshotView | null {
  const data = selectedData(s);
  if (!isLive(s)) return s.scrub?.snapshot ?? data?.latest ?? null;
  return data?.latest ?? null;
}

export interface ControlsEnabled {
  start: boolean;
  pause: boolean;
  resume: boolean;
  step: boolean;
  stop: boolean;
  /** On-demand measurements (sharpness) need a live run. */
  measure: boolean;
}

/** Which run controls make sense for the run's state (and only while connected). */
export function controlsFor(run: RunView | null, connected: boolean, hasExperiment: boolean): ControlsEnabled {
  const st = run?.state;
  return {
    start: connected && hasExperiment,
    pause: connected && st === "running",
    resume: connected && (st === "paused" || st === "created"),
    step: connected && (st === "paused" || st === "created"),
    stop: connected && (st === "running" || st === "paused" || st === "created"),
    measure: connected && (st === "running" || st === "paused" || st === "created"),
  };
}

export interface ChartPoint {
  step: number;
  value: number | null;
}

/**
 * Min/max buckets a chart draws when its width is unknown, and what a chart of the dashboard's usual width
 * (two charts a row, ~450 px of plot) gets from chartBuckets: ≤ 512 points, ~1 point per pixel.
 */
export const DEFAULT_CHART_BUCKETS = 256;

/**
 * How many min/max buckets to draw across a plot `plotWidth` pixels wide: about one per 2 px (each bucket gives
 * up to 2 points, so 1–2 points per pixel: every spike still shows, and more points only cost drawing time),
 * rounded up to a power of two so that resizing re-buckets only when the width about doubles or halves.
 * Unknown or zero width: DEFAULT_CHART_BUCKETS.
 */
export function chartBuckets(plotWidth: number | null | undefined): number {
  if (typeof plotWidth !== "number" || !(plotWidth > 0)) return DEFAULT_CHART_BUCKETS;
  return Math.min(4096, Math.max(32, 2 ** Math.ceil(Math.log2(plotWidth / 2))));
}

/**
 * Bucketed min/max downsampling for drawing: at most ~2·buckets points (a bucket's first gap may add a third),
 * spikes kept (each bucket keeps its minimum and maximum), and a non-finite value (null) keeps a gap in the line.
 */
export function chartPoints(s: SeriesView | undefined, buckets = DEFAULT_CHART_BUCKETS): ChartPoint[] {
  if (!s) return [];
  const n = Math.min(s.step.length, s.value.length);
  if (n <= buckets * 2) {
    const out: ChartPoint[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { step: s.step[i]!, value: finiteOrNull(s.value[i]) };
    return out;
  }
  const out: ChartPoint[] = [];
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = b === buckets - 1 ? n : Math.floor((b + 1) * size);
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = from; i < to; i++) {
      const v = finiteOrNull(s.value[i]);
      if (v === null) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || v < (s.value[lo] as number)) lo = i;
      if (hi < 0 || v > (s.value[hi] as number)) hi = i;
    }
    const picks = [...new Set([lo, hi, gap].filter((i) => i >= 0))].sort((a, c) => a - c);
    for (const i of picks) out.push({ step: s.step[i]!, value: finiteOrNull(s.value[i]) });
  }
  return out;
}

const finiteOrNull = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The last finite value of a series, for the chart's headline number. */
export function lastValue(s: SeriesView | undefined): number | null {
  if (!s) return null;
  for (let i = s.value.length - 1; i >= 0; i--) {
    const v = s.value[i];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

export interface Point2d {
  i: number;
  x: number;
  y: number;
}

/** A 2-d tensor as rows of numbers (a vector becomes one row). */
export function matrixRows(t: TensorData | undefined): number[][] {
  if (!t) return [];
  const rows = t.shape.length > 1 ? t.shape[0]! : 1;
  const cols = t.shape.length > 1 ? t.shape[1]! : (t.shape[0] ?? 0);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(t.data.subarray(r * cols, (r + 1) * cols)));
  return out;
}

/** Short words for the status bar; starts with "connected" only when connected. */
export function connectionLabel(c: ConnectionView, now = Date.now()): string {
  switch (c.status) {
    case "idle":
      return "no daemon set";
    case "connecting":
      return c.attempt > 0 ? `connecting (attempt ${c.attempt + 1})…` : "connecting…";
    case "handshaking":
      return "handshaking…";
    case "connected":
      return "connected";
    case "reconnecting": {
      const secs = c.retryAt === null ? 0 : Math.max(0, Math.ceil((c.retryAt - now) / 1000));
      return `offline, retrying in ${secs}s`;
    }
  }
}

export function formatStep(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : String(n);
}

/**
 * The common metrics (e.g. sharpness) a run shows, comma-joined (a string, so memo dependencies stay stable):
 * those it has recorded, and those its config schedules (`<key>_every` > 0).
 */
export function commonMetricKeys(run: RunView | null, data: RunData | null): string {
  return COMMON_METRICS.filter((m) => (data?.series[m.key]?.step.length ?? 0) > 0 || Number(run?.config[`${m.key}_every`] ?? 0) > 0)
    .map((m) => m.key)
    .join(",");
}

/**
 * The experiment's metrics, then the common metrics listed in `common` (see commonMetricKeys), with this run's
 * own reference lines (e.g. an optimum its config fixes) in front.
 */
export function metricsFor(experiment: ExperimentInfo | null, run: RunView | null, common = ""): MetricInfo[] {
  const own = experiment?.metrics ?? [];
  const shown = new Set(common.split(","));
  const extra = COMMON_METRICS.filter((m) => shown.has(m.key) && !own.some((o) => o.key === m.key));
  return [...own, ...extra].map((m) => {
    const reference = run?.references[m.key];
    return reference ? { ...m, reference } : m;
  });
}

/**
 * Points for a log-scale axis: values ≤ 0 cannot be placed, so they become gaps (as TensorBoard does),
 * and `hidden` says how many. E.g. a loss gap that float noise pushes to −4e-7 once converged.
 */
export function positiveOnly(points: ChartPoint[]): { points: ChartPoint[]; hidden: number } {
  let hidden = 0;
  const out = points.map((p) => {
    if (p.value === null || p.value > 0) return p;
    hidden++;
    return { step: p.step, value: null };
  });
  return { points: hidden ? out : points, hidden };
}
