import { symmetricEigen, type SymmetricEigen } from "./eigen.ts";
import { gram } from "./geometry.ts";
import { projectionNorms } from "./laplacian.ts";

/** n×k row-major: the rows of E (n×d) on their own top-k principal axes (centred; zero columns past E's rank). */
export function principalCoordinates(E: ArrayLike<number>, n: number, d: number, k = 3): Float32Array {
  const centred = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += E[i * d + j]!;
    mean /= n;
    for (let i = 0; i < n; i++) centred[i * d + j] = E[i * d + j]! - mean;
  }
  const { values, vectors } = symmetricEigen(gram(centred, n, d), n);
  const out = new Float32Array(n * k);
  for (let c = 0; c < k && c < n; c++) {
    const s = Math.sqrt(Math.max(values[c]!, 0));
    for (let i = 0; i < n; i++) out[i * k + c] = s * vectors[c * n + i]!;
  }
  return out;
}

/**
 * n×3 row-major: E read along the embedding directions that the graph's 2nd…4th eigenvectors pick out,
 * x[u,k] = E_u · a_k/‖a_k‖ with a_k = Eᵀv_k. A Fiedler-like embedding (Node2Vec on the cycle) draws the graph's
 * Laplacian layout; an associative one (random E) draws a cloud.
 */
export function fiedlerDirectionCoordinates(E: ArrayLike<number>, d: number, spectrum: SymmetricEigen): Float32Array {
  const { n, vectors } = spectrum;
  const norms = projectionNorms(E, d, spectrum);
  const out = new Float32Array(n * 3);
  for (let k = 1; k <= 3 && k < n; k++) {
    const dir = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dir[j]! += vectors[k * n + i]! * E[i * d + j]!;
    const norm = norms[k]! || 1;
    for (let u = 0; u < n; u++) {
      let x = 0;
      for (let j = 0; j < d; j++) x += E[u * d + j]! * dir[j]!;
      out[u * 3 + k - 1] = x / norm;
    }
  }
  return out;
}
