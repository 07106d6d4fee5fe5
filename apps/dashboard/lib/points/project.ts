import type { PointsProjection } from "@orrery/protocol";
import type { TensorData } from "../state/types.ts";
import type { Frame } from "./frame.ts";
import { MAX_PCA_SIZE, principalFrame } from "./pca.ts";

export interface PointsChoice {
  projection: PointsProjection;
  dims: 2 | 3;
  /** raw: the tensor columns on x, y, z. */
  columns: readonly number[];
}

export type Projected =
  | {
      ok: true;
      frame: Frame;
      /** One name per axis, e.g. "PC1 (62%)", "Eᵀv2", "dim 4". */
      axes: string[];
      /** Whether the axes are eigen-directions (sign/order arbitrary), so alignment across frames applies. */
      alignable: boolean;
    }
  | { ok: false; reason: string };

/** Rows and columns of a snapshot tensor (a vector is n×1). */
export function shapeOf(t: TensorData): { n: number; d: number } {
  const n = t.shape[0] ?? 0;
  const d = t.shape.length > 1 ? t.shape[1]! : 1;
  return { n, d };
}

/**
 * The points a view draws: `raw` embedding rows (n×d) on the chosen projection, `dims` columns wide.
 * PCA is computed here from the raw rows; Fiedler coordinates come precomputed in the `fiedler` tensor.
 * Missing columns (an embedding narrower than the view) are zeros.
 */
export function projectPoints(raw: TensorData | undefined, fiedler: TensorData | undefined, choice: PointsChoice): Projected {
  const k = choice.dims;
  if (choice.projection === "fiedler") {
    if (!fiedler) return { ok: false, reason: "this snapshot has no Fiedler coordinates" };
    const { n, d } = shapeOf(fiedler);
    return { ok: true, frame: pick(fiedler.data, n, d, range(k)), axes: range(k).map((c) => `Eᵀv${c + 2}`), alignable: true };
  }
  if (!raw) return { ok: false, reason: "no embedding in this snapshot yet" };
  const { n, d } = shapeOf(raw);
  if (choice.projection === "pca") {
    const p = principalFrame(raw.data, n, d, k);
    if (!p) return { ok: false, reason: `PCA is limited to ${MAX_PCA_SIZE} points or dimensions here; pick raw dims` };
    return {
      ok: true,
      frame: p.frame,
      axes: p.explained.map((e, c) => `PC${c + 1} (${(100 * e).toFixed(0)}%)`),
      alignable: true,
    };
  }
  const columns = range(k).map((c) => choice.columns[c] ?? c);
  return { ok: true, frame: pick(raw.data, n, d, columns), axes: columns.map((c) => (c < d ? `dim ${c}` : "—")), alignable: false };
}

const range = (k: number) => Array.from({ length: k }, (_, c) => c);

function pick(data: ArrayLike<number>, n: number, d: number, columns: readonly number[]): Frame {
  const k = columns.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const col = columns[c]!;
      const v = col < d ? data[i * d + col]! : 0;
      out[i * k + c] = Number.isFinite(v) ? v : 0;
    }
  }
  return { n, k, data: out };
}
