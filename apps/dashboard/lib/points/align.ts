import { reorder, type Frame } from "./frame.ts";

export interface Alignment {
  /** Column j is signs[j] · column order[j] of the frame that was aligned. */
  frame: Frame;
  order: number[];
  signs: number[];
}

/**
 * Aligns a new frame's axes to the frame drawn before it, so that points move instead of flipping.
 *
 * Principal axes and eigenvectors are defined only up to sign, and up to order when two eigenvalues cross:
 * from one snapshot to the next the same geometry can come out mirrored or with two axes swapped. Those
 * ambiguities form the group of signed permutations, so this picks the signed permutation of the new axes
 * closest (Frobenius) to the previous frame, keeping the identity order unless another one is strictly closer.
 *
 * Why not orthogonal Procrustes (the best rotation onto the previous frame)? It would also undo real motion:
 * an embedding that rotates while it trains would look frozen, and the axes would stop meaning "PC1" or
 * "Eᵀv2". Signed permutations remove exactly the arbitrary part and keep each axis one named direction.
 *
 * Without a comparable previous frame (none, or another shape), each column's sign is made canonical: its
 * largest-magnitude entry (the first of equals) is positive. Either way, flipping the sign of any input
 * column gives the same output, and a frame aligned to itself is unchanged.
 */
export function alignFrame(prev: Frame | null, next: Frame): Alignment {
  const { k } = next;
  const identity = Array.from({ length: k }, (_, j) => j);
  if (!prev || prev.n !== next.n || prev.k !== k) {
    const signs = identity.map((j) => canonicalSign(next, j));
    return { frame: reorder(next, identity, signs), order: identity, signs };
  }
  // cross[a][b] = ⟨previous column a, new column b⟩; ‖prev − P‖² = const − 2·Σ_j |cross[j][order[j]]|.
  const cross = identity.map((a) => identity.map((b) => dot(prev, a, next, b)));
  let best = identity;
  let bestScore = score(cross, identity);
  for (const order of permutations(k)) {
    const s = score(cross, order);
    if (s > bestScore * (1 + 1e-9) + 1e-300) {
      best = order;
      bestScore = s;
    }
  }
  const signs = best.map((b, j) => {
    const c = cross[j]![b]!;
    return c > 0 ? 1 : c < 0 ? -1 : canonicalSign(next, b);
  });
  return { frame: reorder(next, best, signs), order: best, signs };
}

const score = (cross: number[][], order: readonly number[]) => order.reduce((s, b, j) => s + Math.abs(cross[j]![b]!), 0);

function dot(a: Frame, ca: number, b: Frame, cb: number): number {
  let s = 0;
  for (let i = 0; i < a.n; i++) s += a.data[i * a.k + ca]! * b.data[i * b.k + cb]!;
  return s;
}

/** +1 or −1: the sign that makes column j's largest-magnitude entry (the first of equals) positive. */
function canonicalSign(f: Frame, j: number): number {
  let big = 0;
  for (let i = 0; i < f.n; i++) {
    const v = f.data[i * f.k + j]!;
    if (Math.abs(v) > Math.abs(big)) big = v;
  }
  return big < 0 ? -1 : 1;
}

/** All orders of 0…k−1 (k ≤ 3 here, so at most 6). */
function permutations(k: number): number[][] {
  if (k <= 1) return [Array.from({ length: k }, (_, j) => j)];
  const out: number[][] = [];
  for (const rest of permutations(k - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), k - 1, ...rest.slice(at)]);
  }
  return out;
}
