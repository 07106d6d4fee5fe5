import { linearFit, logLogSlope } from "@orrery/experiments/analysis";
import type { RunView } from "./state/types.ts";

/** Config keys that only pick a replicate: runs differing in them are repeats of one sweep point. */
export const REPLICATE_KEYS: readonly string[] = ["seed"];

export interface SweepRunPoint {
  runId: string;
  x: number;
  y: number;
}

export interface SweepMean {
  x: number;
  /** Arithmetic mean of the replicates' finite values. */
  mean: number;
  /** Geometric mean of the replicates (null if any is ≤ 0): what log-log axes draw and fit. */
  geoMean: number | null;
  replicates: number;
}

export interface SweepSeries {
  /** The config values that set this series apart from the others, e.g. "R=20"; "" when there is one series. */
  label: string;
  /** One point per run (seeds drawn separately), ascending x. */
  runs: SweepRunPoint[];
  /** One point per x, replicates averaged, ascending x. */
  means: SweepMean[];
  /** Least-squares slope of log(geoMean) on log(x) (the exponent k of y ∝ x^k); null with fewer than two x. */
  slope: number | null;
  /** log y = intercept + slope · log x, for drawing the fitted line. */
  intercept: number | null;
}

export interface Sweep {
  series: SweepSeries[];
  /** Runs left out: no numeric value of the key, or no finite final value of the metric. */
  skipped: number;
  /** Runs whose final values have not arrived yet. */
  pending: number;
}

/**
 * Reduces a sweep's runs to points: the final `metric` of each run against its config `key`. Runs whose configs
 * are equal apart from `key` and the replicate keys form one series; replicates (seeds) stay separate points
 * and are averaged per x (geometrically, as befits log-log axes) before the slope is fitted, so an x run with
 * more seeds does not weigh more in the fit.
 */
export function sweepOf(
  runs: readonly RunView[],
  finals: Readonly<Record<string, Readonly<Record<string, number | null>>>>,
  metric: string,
  key: string,
  replicateKeys: readonly string[] = REPLICATE_KEYS,
): Sweep {
  const groups = new Map<string, { fixed: Record<string, string>; runs: SweepRunPoint[] }>();
  let skipped = 0;
  let pending = 0;
  for (const run of runs) {
    const x = run.config[key];
    const values = finals[run.id];
    if (!values) {
      pending++;
      continue;
    }
    const y = values[metric];
    if (typeof x !== "number" || !Number.isFinite(x) || typeof y !== "number" || !Number.isFinite(y)) {
      skipped++;
      continue;
    }
    const fixed: Record<string, string> = {};
    for (const k of Object.keys(run.config).sort()) {
      if (k !== key && !replicateKeys.includes(k)) fixed[k] = String(run.config[k]);
    }
    const id = JSON.stringify(fixed);
    const group = groups.get(id) ?? { fixed, runs: [] };
    group.runs.push({ runId: run.id, x, y });
    groups.set(id, group);
  }
  const all = [...groups.values()];
  const distinguishing = [...new Set(all.flatMap((g) => Object.keys(g.fixed)))].filter(
    (k) => new Set(all.map((g) => g.fixed[k] ?? "")).size > 1,
  );
  const series = all.map((g) => {
    const runsSorted = [...g.runs].sort((a, b) => a.x - b.x || (a.runId < b.runId ? -1 : 1));
    const means = meansByX(runsSorted);
    const fit = means.filter((m) => m.x > 0 && m.geoMean !== null);
    let slope: number | null = null;
    let intercept: number | null = null;
    if (fit.length >= 2) {
      const xs = fit.map((m) => m.x);
      const ys = fit.map((m) => m.geoMean!);
      slope = logLogSlope(xs, ys);
      intercept = linearFit(xs.map(Math.log), ys.map(Math.log)).intercept;
    }
    const label = distinguishing.map((k) => `${k}=${g.fixed[k] ?? "—"}`).join(", ");
    return { label, runs: runsSorted, means, slope, intercept };
  });
  series.sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  return { series, skipped, pending };
}

function meansByX(runs: readonly SweepRunPoint[]): SweepMean[] {
  const byX = new Map<number, number[]>();
  for (const r of runs) byX.set(r.x, [...(byX.get(r.x) ?? []), r.y]);
  return [...byX.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => {
      return {
        x,
        mean: ys.reduce((s, y) => s + y, 0) / ys.length,
        geoMean: ys.every((y) => y > 0) ? Math.exp(ys.reduce((s, y) => s + Math.log(y), 0) / ys.length) : null,
        replicates: ys.length,
      };
    });
}

/** Numeric config keys that take two or more values across `runs` (replicate keys excluded): what a sweep varied. */
export function variedKeys(runs: readonly RunView[], replicateKeys: readonly string[] = REPLICATE_KEYS): string[] {
  const values = new Map<string, Set<number>>();
  for (const run of runs) {
    for (const [k, v] of Object.entries(run.config)) {
      if (typeof v !== "number" || replicateKeys.includes(k)) continue;
      const set = values.get(k) ?? new Set<number>();
      set.add(v);
      values.set(k, set);
    }
  }
  return [...values.entries()]
    .filter(([, s]) => s.size > 1)
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
}
