import type { Graph } from "./graphs.ts";

/** Which orientations of each undirected edge become training pairs u→v (the GM repo's fb flags). */
export type EdgeDirection = "forward" | "backward" | "both";

/** Directed training pairs (the `[EDGE] u → v` examples): per edge in graph order, then one (u,u) per node. */
export function directedPairs(g: Graph, direction: EdgeDirection, selfEdges: boolean): [number, number][] {
  const pairs: [number, number][] = [];
  for (const [u, v] of g.edges) {
    if (direction !== "backward") pairs.push([u, v]);
    if (direction !== "forward") pairs.push([v, u]);
  }
  if (selfEdges) for (let u = 0; u < g.n; u++) pairs.push([u, u]);
  return pairs;
}

/**
 * Target weights T (n×n, row-major) for a loss −Σ T[u,v]·log p(v|u):
 * "per_pair": 1/P on every pair, the mean cross-entropy over the P examples (deep models, full batch);
 * "per_source": 1/|N(u)| on u's targets, so each source counts once (Node2Vec's Σ_u mean_{v∈N(u)}).
 */
export function targetWeights(n: number, pairs: readonly (readonly [number, number])[], mode: "per_pair" | "per_source"): Float32Array {
  const t = new Float32Array(n * n);
  const outDegree = new Float64Array(n);
  for (const [u] of pairs) outDegree[u]! += 1;
  for (const [u, v] of pairs) t[u * n + v]! += mode === "per_pair" ? 1 / pairs.length : 1 / outDegree[u]!;
  return t;
}

/** Out-neighbour sets of the pairs, by source (self included when a pair (u,u) is present). */
export function outNeighbours(n: number, pairs: readonly (readonly [number, number])[]): Set<number>[] {
  const sets = Array.from({ length: n }, () => new Set<number>());
  for (const [u, v] of pairs) sets[u]!.add(v);
  return sets;
}
