import type { Graph } from "../datasets/graphs.ts";

/** Cosine similarity of every pair of rows of E (n×d row-major); a zero row has cosine 0 with everything. */
export function cosineMatrix(E: ArrayLike<number>, n: number, d: number): Float64Array {
  const g = gram(E, n, d);
  const norm = Float64Array.from({ length: n }, (_, i) => Math.sqrt(g[i * n + i]!));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] = norm[i]! && norm[j]! ? g[i * n + j]! / (norm[i]! * norm[j]!) : 0;
  return g;
}

/** E·Eᵀ (n×n): Node2Vec's scores. */
export function gram(E: ArrayLike<number>, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += E[i * d + k]! * E[j * d + k]!;
      g[i * n + j] = g[j * n + i] = s;
    }
  }
  return g;
}

/** The "geometric level": mean cosine of (E_u, E_v) over the graph's edges (each undirected edge once). */
export function geometricLevel(cosine: ArrayLike<number>, g: Graph): number {
  const edges = g.edges.filter(([u, v]) => u !== v);
  return edges.length ? edges.reduce((s, [u, v]) => s + cosine[u * g.n + v]!, 0) / edges.length : NaN;
}

/** Mean cosine over node pairs at graph distance exactly 2 (share a neighbour, not adjacent). */
export function twoHopCosine(cosine: ArrayLike<number>, g: Graph): number {
  const { n } = g;
  const adj = Array.from({ length: n }, () => new Set<number>());
  for (const [u, v] of g.edges) if (u !== v) adj[u]!.add(v), adj[v]!.add(u);
  let sum = 0;
  let count = 0;
  for (let u = 0; u < n; u++) {
    const twoHop = new Set<number>();
    for (const m of adj[u]!) for (const w of adj[m]!) if (w !== u && !adj[u]!.has(w)) twoHop.add(w);
    for (const w of twoHop) if (w > u) (sum += cosine[u * n + w]!), count++;
  }
  return count ? sum / count : NaN;
}

/**
 * Memorization %: the share of directed pairs (u→v) whose v is among the k highest scores of row u
 * (scores n×n row-major; ties broken toward the lower id). `excludeSelf` drops the diagonal from the ranking.
 */
export function topKRecovery(
  scores: ArrayLike<number>,
  n: number,
  pairs: readonly (readonly [number, number])[],
  k: number,
  excludeSelf: boolean,
): number {
  if (pairs.length === 0) return NaN;
  const top = topKRows(scores, n, k, excludeSelf);
  const hits = pairs.filter(([u, v]) => top[u]!.includes(v)).length;
  return (100 * hits) / pairs.length;
}

/** The k best column ids of every row, best first (ties: the lower id first); one pass per row, no sort. */
export function topKRows(scores: ArrayLike<number>, n: number, k: number, excludeSelf: boolean): number[][] {
  return Array.from({ length: n }, (_, u) => {
    const best: number[] = [];
    const o = u * n;
    for (let v = 0; v < n; v++) {
      if (excludeSelf && v === u) continue;
      const s = scores[o + v]!;
      if (best.length === k) {
        if (!(s > scores[o + best[k - 1]!]!)) continue;
        best.pop();
      }
      let i = best.length;
      while (i > 0 && s > scores[o + best[i - 1]!]!) i--;
      best.splice(i, 0, v);
    }
    return best;
  });
}

/** Highest top-1 recovery any scorer can reach: one hit per source with targets, over all pairs (cycle 50%, star 53%, grid 33%). */
export function topOneCeiling(pairs: readonly (readonly [number, number])[]): number {
  const sources = new Set(pairs.map(([u]) => u));
  return pairs.length ? (100 * sources.size) / pairs.length : NaN;
}
