import { singularValuesOfTall, transpose } from "./svd.ts";

/** Largest min(rows, cols) whose spectrum is computed on request (a cols×cols eigenproblem per snapshot). */
export const MAX_SPECTRUM_SIDE = 256;

/**
 * At most `maxPoints` (≥ 2) of `steps`: every s-th one from the first, plus the last, with s the smallest power of
 * two that fits. A power-of-two stride keeps the chosen steps stable as a run adds snapshots (the set only
 * changes when s doubles), so a cache of per-step spectra keeps hitting.
 */
export function subsampleSteps(steps: readonly number[], maxPoints: number): number[] {
  if (maxPoints < 2) throw new RangeError(`maxPoints must be at least 2, got ${maxPoints}`);
  const n = steps.length;
  if (n <= maxPoints) return [...steps];
  let stride = 1;
  while (Math.ceil((n - 1) / stride) + 1 > maxPoints) stride *= 2;
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += stride) out.push(steps[i]!);
  out.push(steps[n - 1]!);
  return out;
}

/** Why a tensor has no spectrum: not a matrix (both sides ≥ 2) or too large to decompose on request. */
export function matrixProblem(name: string, shape: readonly number[]): string | null {
  if (shape.length !== 2 || shape[0]! < 2 || shape[1]! < 2) return `tensor "${name}" is [${shape.join("×")}], not a matrix (2-D, both sides ≥ 2)`;
  const side = Math.min(shape[0]!, shape[1]!);
  if (side > MAX_SPECTRUM_SIDE) return `tensor "${name}" is ${shape.join("×")}: its smaller side exceeds ${MAX_SPECTRUM_SIDE}`;
  return null;
}

/** Singular values (descending) of a row-major rows×cols matrix of either orientation. */
export function matrixSingularValues(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (data.length !== rows * cols) throw new RangeError(`expected ${rows * cols} entries, got ${data.length}`);
  return rows >= cols ? singularValuesOfTall(data, rows, cols) : singularValuesOfTall(transpose(data, rows, cols), cols, rows);
}
