import { leadingColumns, svd } from "./svd.ts";

/**
 * Cosines of the principal angles between span(A) and span(B), largest first (min(rank A, rank B) of them).
 * A is n×ka and B is n×kb, row-major, their columns spanning each subspace (need not be orthonormal):
 * the cosines are the singular values of Q_Aᵀ·Q_B for orthonormal bases Q_A, Q_B.
 */
export function principalCosines(A: ArrayLike<number>, B: ArrayLike<number>, n: number, ka: number, kb: number): Float64Array {
  const qa = orthonormalBasis(A, n, ka);
  const qb = orthonormalBasis(B, n, kb);
  if (qa.k === 0 || qb.k === 0) return new Float64Array(0);
  const product = new Float64Array(qa.k * qb.k);
  for (let i = 0; i < qa.k; i++) {
    for (let j = 0; j < qb.k; j++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += qa.Q[r * qa.k + i]! * qb.Q[r * qb.k + j]!;
      product[i * qb.k + j] = dot;
    }
  }
  const cosines = svd(product, qa.k, qb.k).S;
  return cosines.map((c) => Math.min(1, Math.max(0, c)));
}

/** Principal angles in degrees, smallest first (0: a shared direction; 90: orthogonal). */
export function principalAnglesDegrees(A: ArrayLike<number>, B: ArrayLike<number>, n: number, ka: number, kb: number): number[] {
  return [...principalCosines(A, B, n, ka, kb)].map((c) => (Math.acos(c) * 180) / Math.PI);
}

/**
 * Zhong's subspace matching between two d×d maps (EXPERIMENTS.md §4(d)): for j = 1..d, σ_max(V_qkᵀ[:j]·U_ov[:, :j]),
 * the cosine of the smallest angle between the top-j right-singular subspace of W_qk (what the query–key map
 * reads) and the top-j left-singular subspace of W_ov (what the value–output map writes).
 */
export function subspaceMatching(Wqk: ArrayLike<number>, Wov: ArrayLike<number>, d: number): Float64Array {
  const qk = svd(Wqk, d, d);
  const ov = svd(Wov, d, d);
  return Float64Array.from({ length: d }, (_, i) => {
    const j = i + 1;
    return principalCosines(leadingColumns(qk.V, d, d, j), leadingColumns(ov.U, d, d, j), d, j, j)[0] ?? 0;
  });
}

/** An n×k orthonormal basis of the column span (left singular vectors with non-negligible singular values). */
function orthonormalBasis(M: ArrayLike<number>, n: number, k: number): { Q: Float64Array; k: number } {
  if (M.length !== n * k) throw new RangeError(`expected an ${n}×${k} matrix, got ${M.length} entries`);
  const { U, S, k: m } = svd(M, n, k);
  const largest = S[0] ?? 0;
  let rank = 0;
  while (rank < m && S[rank]! > 1e-10 * largest && S[rank]! > 0) rank++;
  return { Q: leadingColumns(U, n, m, rank), k: rank };
}
