/** n points in k dimensions, row-major (point i is data[i·k … i·k+k−1]): what a points view draws. */
export interface Frame {
  n: number;
  k: number;
  data: Float64Array;
}

export function column(f: Frame, j: number): Float64Array {
  const out = new Float64Array(f.n);
  for (let i = 0; i < f.n; i++) out[i] = f.data[i * f.k + j]!;
  return out;
}

/** The frame whose column j is signs[j] · column order[j] of `f`. */
export function reorder(f: Frame, order: readonly number[], signs: readonly number[]): Frame {
  const data = new Float64Array(f.n * f.k);
  for (let i = 0; i < f.n; i++) {
    for (let j = 0; j < f.k; j++) data[i * f.k + j] = signs[j]! * f.data[i * f.k + order[j]!]!;
  }
  return { n: f.n, k: f.k, data };
}
