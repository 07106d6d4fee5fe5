/** Eigenpairs of a real symmetric matrix, eigenvalues in descending order. */
export interface SymmetricEigen {
  n: number;
  values: Float64Array;
  /** Row k (vectors[k·n … k·n+n−1]) is the unit eigenvector of values[k]; its largest-magnitude entry is positive. */
  vectors: Float64Array;
}

/**
 * Householder tridiagonalisation then implicit QL (the EISPACK tred2/tql2 pair, as in JAMA and ml-matrix) on a
 * copy of the n×n row-major symmetric `matrix` (only the lower triangle is read). O(n³) with a small constant:
 * about a second for 256 nodes on a slow CPU core (the cap, MAX_GRAPH_NODES).
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries, got ${matrix.length}`);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) V[i * n + j] = V[j * n + i] = matrix[i * n + j]!;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) tridiagonalize(V, d, e, n);
  // QL rotates pairs of columns of V; on the transpose those are contiguous rows (and the eigenvectors come out as rows).
  const Vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Vt[j * n + i] = V[i * n + j]!;
  if (n > 0) diagonalize(Vt, d, e, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    const v = Vt.subarray(src * n, (src + 1) * n);
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(v[i]!) > Math.abs(big)) big = v[i]!;
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[k * n + i] = sign * v[i]!;
  });
  return { n, values, vectors };
}

/** Row k of the eigenvector matrix, as a view. */
export const eigenvector = (e: SymmetricEigen, k: number): Float64Array => e.vectors.subarray(k * e.n, (k + 1) * e.n);

/** tred2: V ← the orthogonal transform, d ← diagonal, e ← subdiagonal (e[0] = 0). */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j * n + i] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j]! * d[k]!;
          e[k]! += V[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1]! * V[k * n + j]!;
        for (let k = 0; k <= i; k++) V[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j]!;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** tql2: implicit-shift QL on the tridiagonal (d, e), accumulating rotations into the rows of Vt (= Vᵀ). */
function diagonalize(Vt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 100 && Math.abs(e[l]!) > eps * tst1; iter++) {
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const row = i * n;
          const next = row + n;
          for (let k = 0; k < n; k++) {
            const vk = Vt[next + k]!;
            Vt[next + k] = s * Vt[row + k]! + c * vk;
            Vt[row + k] = c * Vt[row + k]! - s * vk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      }
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}
