import type { MetricInfo, NamedTensor, TensorView } from "@orrery/protocol";
import type { SymmetricEigen } from "../analysis/eigen.ts";
import { fiedlerDirectionCoordinates } from "../analysis/embedding-views.ts";
import { cosineMatrix, geometricLevel, topKRecovery, topOneCeiling, twoHopCosine } from "../analysis/geometry.ts";
import { adjacencyMatrix, hopMatrix, spectralBias } from "../analysis/laplacian.ts";
import type { Graph } from "../datasets/graphs.ts";

/** What the tiny-graph experiments measure on top of the loss; the metric keys of `graphMetrics`. */
export const graphMetricInfo: MetricInfo[] = [
  { key: "top1", label: "Top-1 edge recovery (%)" },
  { key: "top5", label: "Top-5 edge recovery (memorization %)", reference: { value: 100, label: "all edges" } },
  { key: "geo_level", label: "Geometric level (mean edge cosine)", reference: { value: 0, label: "associative ≈ 0" } },
  { key: "two_hop_cos", label: "2-hop cosine" },
  { key: "proj_v2", label: "Rel. projection on v2 (Fiedler)", reference: { value: 1, label: "max" } },
  { key: "proj_v3", label: "Rel. projection on v3 (Fiedler)", reference: { value: 1, label: "max" } },
  { key: "proj_v4", label: "Rel. projection on v4" },
  { key: "proj_v5", label: "Rel. projection on v5" },
];

export const graphViews: TensorView[] = [
  { tensor: "E", kind: "points", label: "Embeddings E", projection: "pca", fiedler: "E_fiedler" },
  { tensor: "E", kind: "points", label: "Embeddings E (Fiedler: along Eᵀv2, Eᵀv3, Eᵀv4)", projection: "fiedler", fiedler: "E_fiedler" },
  { tensor: "cosine", kind: "matrix", label: "Node × node cosine" },
  { tensor: "adjacency", kind: "matrix", label: "Adjacency" },
  { tensor: "two_hop", kind: "matrix", label: "2-hop neighbours (shortest path of 2 edges)" },
  { tensor: "spectral_bias", kind: "bars", label: "Spectral bias: ‖Eᵀv_i‖ / max (non-trivial eigenvectors, by eigenvalue)" },
  { tensor: "graph_eigenvalues", kind: "bars", label: "Graph eigenvalues λ_i / λ_1 (same order)" },
];

/** The per-run reference the top-1 chart needs: the best any scorer can do (one hit per source). */
export const topOneReference = (pairs: readonly (readonly [number, number])[]) => ({
  top1: { value: topOneCeiling(pairs), label: "ceiling (one hit per node)" },
});

/**
 * Edge recovery from `scores` (n×n: logits at u, or E·Eᵀ), cosine geometry and the spectral-bias projections
 * of the host copy of E (n×d).
 */
export function graphMetrics(
  g: Graph,
  pairs: readonly (readonly [number, number])[],
  spectrum: SymmetricEigen,
  E: ArrayLike<number>,
  d: number,
  scores: ArrayLike<number>,
  excludeSelf: boolean,
): Record<string, number> {
  const cos = cosineMatrix(E, g.n, d);
  const { projections } = spectralBias(E, d, spectrum);
  const metrics: Record<string, number> = {
    top1: topKRecovery(scores, g.n, pairs, 1, excludeSelf),
    top5: topKRecovery(scores, g.n, pairs, 5, excludeSelf),
    geo_level: geometricLevel(cos, g),
    two_hop_cos: twoHopCosine(cos, g),
  };
  for (let i = 0; i < 4 && i < projections.length; i++) metrics[`proj_v${i + 2}`] = projections[i]!;
  for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
  return metrics;
}

/** The drawable tensors derived from E (see `graphViews`); E itself comes from the model's own readTensors. */
export function graphSnapshot(g: Graph, spectrum: SymmetricEigen, E: ArrayLike<number>, d: number): NamedTensor[] {
  const { n } = g;
  return [
    { name: "E_fiedler", shape: [n, 3], data: fiedlerDirectionCoordinates(E, d, spectrum) },
    { name: "cosine", shape: [n, n], data: Float32Array.from(cosineMatrix(E, n, d)) },
    { name: "adjacency", shape: [n, n], data: Float32Array.from(adjacencyMatrix(g)) },
    { name: "two_hop", shape: [n, n], data: Float32Array.from(hopMatrix(g, 2)) },
    ...spectralBiasTensors(E, d, spectrum),
  ];
}

/** Fig. 7's bars as two aligned vectors (the dashboard draws each as bars). */
function spectralBiasTensors(E: ArrayLike<number>, d: number, spectrum: SymmetricEigen): NamedTensor[] {
  const { projections, eigenvalues } = spectralBias(E, d, spectrum);
  return [
    { name: "spectral_bias", shape: [projections.length], data: Float32Array.from(projections) },
    { name: "graph_eigenvalues", shape: [eigenvalues.length], data: Float32Array.from(eigenvalues) },
  ];
}

/** Costly metrics on step 1, every `every` steps, and on the last step. */
export const isEvalStep = (step: number, every: number, total: number) => step === 1 || step % every === 0 || step === total;
