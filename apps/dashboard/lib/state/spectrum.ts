import { matrixProblem } from "@orrery/experiments/analysis";
import type { SpectrumView, TensorData } from "./types.ts";

/** Snapshot tensors whose singular values the daemon computes on request: matrices, both sides ≥ 2. */
export function spectrumTensors(tensors: Record<string, TensorData> | undefined): string[] {
  return Object.entries(tensors ?? {})
    .filter(([name, t]) => matrixProblem(name, t.shape) === null)
    .map(([name]) => name);
}

/**
 * Chart rows {step, s0, …, s(k−1)} of the top `k` singular values at each step. On a log axis values ≤ 0 have no
 * place and become gaps (null).
 */
export function spectrumRows(spectrum: SpectrumView, k: number, log: boolean): { rows: Record<string, number | null>[]; lines: number } {
  const lines = Math.min(k, spectrum.values.reduce((m, v) => Math.max(m, v.length), 0));
  const rows = spectrum.steps.map((step, i) => {
    const row: Record<string, number | null> = { step };
    const values = spectrum.values[i] ?? [];
    for (let j = 0; j < lines; j++) {
      const v = values[j];
      row[`s${j}`] = v === undefined || !Number.isFinite(v) || (log && v <= 0) ? null : v;
    }
    return row;
  });
  return { rows, lines };
}
