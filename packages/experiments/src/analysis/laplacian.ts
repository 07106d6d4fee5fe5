import type { Graph } from "../datasets/graphs.ts";
import { symmetricEigen, type SymmetricEigen } from "./eigen.ts";

/** Symmetric 0/1 adjacency (row-major n×n) of the undirected graph; self-loops are not part of a graph here. */
export function adjacencyMatrix(g: Graph): Float64Array {
  const a = new Float64Array(g.n * g.n);
  for (const [u, v] of g.edges) {
    if (u !== v) a[u * g.n + v] = a[v * g.n + u] = 1;
  }
  return a;
}

/** 1 where the shortest path from u to v has exactly `hops` edges (hops = 1: the adjacency), 0 elsewhere. */
export function hopMatrix(g: Graph, hops: number): Float64Array {
  const { n } = g;
  const a = adjacencyMatrix(g);
  const out = new Float64Array(n * n);
  for (let u = 0; u < n; u++) {
    const dist = new Int32Array(n).fill(-1);
    dist[u] = 0;
    let frontier = [u];
    for (let d = 1; d <= hops && frontier.length; d++) {
      const next: number[] = [];
      for (const x of frontier) for (let y = 0; y < n; y++) if (a[x * n + y] && dist[y] === -1) (dist[y] = d), next.push(y);
      frontier = next;
    }
    for (let v = 0; v < n; v++) if (dist[v] === hops) out[u * n + v] = 1;
  }
  return out;
}

/** M = (A − D)/deg, each row divided by its node's degree: A/deg − I (an isolated node's row is −1 on the diagonal, as in the GM repo). */
export function rowNormalizedLaplacian(g: Graph): Float64Array {
  const { n } = g;
  const m = adjacencyMatrix(g);
  for (let i = 0; i < n; i++) {
    let deg = 0;
    for (let j = 0; j < n; j++) deg += m[i * n + j]!;
    for (let j = 0; j < n; j++) m[i * n + j] = deg > 0 ? m[i * n + j]! / deg : 0;
    m[i * n + i]! -= 1;
  }
  return m;
}

/**
 * The GM repo's spectral state (`analysis_spectral.py`): eigenpairs of the symmetric M + Mᵀ, eigenvalues
 * descending, so the top pair is the trivial (near-)constant one and 2nd…4th give the "Fiedler" coordinates.
 * On a regular graph M is symmetric already and these are M's own eigenvectors with doubled eigenvalues.
 */
export function graphSpectrum(g: Graph): SymmetricEigen {
  const { n } = g;
  const m = rowNormalizedLaplacian(g);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = m[i * n + j]! + m[j * n + i]!;
  return symmetricEigen(s, n);
}

/**
 * Eigenpairs of M itself, through its similarity to a symmetric matrix: M = D^{-1/2}(D^{-1/2}AD^{-1/2})D^{1/2} − I,
 * so an eigenvector u of D^{-1/2}AD^{-1/2} with eigenvalue μ gives M·(D^{-1/2}u) = (μ − 1)·D^{-1/2}u.
 * The right eigenvectors are scaled to unit length (they are D-orthogonal, not orthogonal, on irregular graphs).
 */
export function randomWalkEigen(g: Graph): SymmetricEigen {
  const { n } = g;
  const a = adjacencyMatrix(g);
  const invSqrtDeg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let deg = 0;
    for (let j = 0; j < n; j++) deg += a[i * n + j]!;
    invSqrtDeg[i] = deg > 0 ? 1 / Math.sqrt(deg) : 0;
  }
  const sym = a.map((x, k) => x * invSqrtDeg[Math.floor(k / n)]! * invSqrtDeg[k % n]!);
  const e = symmetricEigen(sym, n);
  const vectors = e.vectors.slice();
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (vectors[k * n + i]! *= invSqrtDeg[i]!) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) vectors[k * n + i]! /= norm;
  }
  return { n, values: e.values.map((mu) => mu - 1), vectors };
}

/** n×3 row-major: node i's entries in the eigenvectors of the 2nd, 3rd and 4th largest eigenvalues (0 where n < 4). */
export function laplacianCoordinates(spectrum: SymmetricEigen): Float64Array {
  const { n } = spectrum;
  const out = new Float64Array(n * 3);
  for (let k = 1; k <= 3 && k < n; k++) for (let i = 0; i < n; i++) out[i * 3 + k - 1] = spectrum.vectors[k * n + i]!;
  return out;
}

/** ‖Eᵀv_k‖ for every eigenvector k (E is n×d row-major), in the spectrum's (descending) order. */
export function projectionNorms(E: ArrayLike<number>, d: number, spectrum: SymmetricEigen): Float64Array {
  const { n, vectors } = spectrum;
  const out = new Float64Array(n);
  const col = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    col.fill(0);
    for (let i = 0; i < n; i++) {
      const vi = vectors[k * n + i]!;
      if (vi !== 0) for (let j = 0; j < d; j++) col[j]! += vi * E[i * d + j]!;
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += col[j]! * col[j]!;
    out[k] = Math.sqrt(s);
  }
  return out;
}

/**
 * Fig. 7's "spectral-bias" bars with the trivial top eigenvector dropped (index 0 here is the 2nd eigenvector):
 * `projections` ‖Eᵀv_i‖ / max_i ‖Eᵀv_i‖, and `eigenvalues` λ_i/λ_1 of the repo's A/deg + (A/deg)ᵀ (= M + Mᵀ + 2I).
 */
export function spectralBias(E: ArrayLike<number>, d: number, spectrum: SymmetricEigen): { eigenvalues: Float64Array; projections: Float64Array } {
  const norms = projectionNorms(E, d, spectrum).subarray(1);
  const graph = spectrum.values.subarray(1).map((x) => x + 2);
  const maxNorm = Math.max(1e-12, ...norms);
  const maxEig = Math.max(1e-12, ...graph);
  return { eigenvalues: graph.map((x) => x / maxEig), projections: norms.map((x) => x / maxNorm) };
}
