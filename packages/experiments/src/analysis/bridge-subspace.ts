import { principalCosines } from "./subspaces.ts";
import { svd } from "./svd.ts";

/** Index ranges [from, to) of an embedding's singular directions, largest singular value first. */
export interface SpectrumSplit {
  top: [number, number];
  medium: [number, number];
  bottom: [number, number];
}

/**
 * Zhong's notes (V = d = 64, step 20k): W_E's singular values are "1 very large, ~35 medium, the rest small". The
 * split is fixed by those fractions, not read off gaps, so that the overlaps chart smoothly across training
 * (before the spectrum separates there are no gaps to read): top = the largest direction, medium = the next
 * round(35/64·r), bottom = the remaining ones (r = rank bound min(V, d); at r = 32: 1, 18, 13).
 */
export function embeddingSplit(r: number): SpectrumSplit {
  if (r < 3) throw new RangeError(`splitting a spectrum into top, medium and bottom needs at least 3 directions, got ${r}`);
  const medium = Math.min(Math.max(1, Math.round((35 / 64) * r)), r - 2);
  return { top: [0, 1], medium: [1, 1 + medium], bottom: [1 + medium, r] };
}

/**
 * Default rank of the bridge: d/8 (4 at the CPU variant's d = 32, 8 at the source's d = 64). Fixed rather than read
 * off W_qk's spectrum so that the overlaps compare across steps: on the CPU variant the largest gap σ_j/σ_{j+1}
 * (j ≤ d/2) jumped between j = 2 and j = 16 while the spectrum reshaped through the transition.
 */
export const defaultBridgeRank = (d: number): number => Math.max(1, Math.round(d / 8));

export interface BridgeOverlap {
  /** Rank of the bridge subspace. */
  k: number;
  split: SpectrumSplit;
  /** Principal-angle cosines (descending) between the bridge and W_E's top / medium / bottom right-singular subspaces. */
  top: Float64Array;
  medium: Float64Array;
  bottom: Float64Array;
}

/**
 * EXPERIMENTS.md §4(d): the bridge = the top-k right-singular subspace of the last layer's W_qk (d×d, acting as
 * score = x_q·W_qk·x_kᵀ on row vectors, so its right singular vectors are the residual directions the keys
 * read), compared with the token embedding W_E (V×d): its right singular vectors are directions of the same
 * residual space.
 */
export function bridgeOverlap(Wqk: ArrayLike<number>, E: ArrayLike<number>, V: number, d: number, k = defaultBridgeRank(d)): BridgeOverlap {
  const qk = svd(Wqk, d, d);
  if (k < 1 || k > d) throw new RangeError(`bridge rank must be in 1..${d}, got ${k}`);
  const bridge = columns(qk.V, d, d, 0, k);
  const emb = svd(E, V, d);
  const split = embeddingSplit(emb.k);
  const against = ([from, to]: [number, number]) => principalCosines(bridge, columns(emb.V, d, emb.k, from, to), d, k, to - from);
  return { k, split, top: against(split.top), medium: against(split.medium), bottom: against(split.bottom) };
}

/** Columns [from, to) of a row-major rows×cols matrix. */
function columns(M: ArrayLike<number>, rows: number, cols: number, from: number, to: number): Float64Array {
  const w = to - from;
  const out = new Float64Array(rows * w);
  for (let i = 0; i < rows; i++) for (let j = 0; j < w; j++) out[i * w + j] = M[i * cols + from + j]!;
  return out;
}
