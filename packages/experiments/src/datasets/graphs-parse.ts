import { MAX_GRAPH_NODES, type Graph } from "./graphs.ts";

export class EdgeListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EdgeListError";
  }
}

/**
 * A user-supplied edge list: one undirected edge "u v" per line (ids 0…n−1, separated by spaces, tabs or a
 * comma), `#` starts a comment, blank lines are skipped. The order "u v" is the edge's forward direction.
 * Refused, naming the line: malformed lines, self-loops (self-edges are an option of the data, not the
 * graph), repeated edges (in either order); and node ids with no edge (ids must be contiguous).
 */
export function parseEdgeList(text: string, name = "edge list", maxNodes = MAX_GRAPH_NODES): Graph {
  const edges: [number, number][] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*/, "").trim();
    if (!body) return;
    const tokens = body.split(/[\s,]+/);
    if (tokens.length !== 2 || !tokens.every((t) => /^\d+$/.test(t))) {
      throw new EdgeListError(`line ${line}: expected two node ids "u v", got ${JSON.stringify(raw.trim())}`);
    }
    const [u, v] = tokens.map(Number) as [number, number];
    const big = Math.max(u, v);
    if (big >= maxNodes) throw new EdgeListError(`line ${line}: node id ${big} is too large (at most ${maxNodes} nodes, ids 0…${maxNodes - 1})`);
    if (u === v) throw new EdgeListError(`line ${line}: self-loop ${u}–${u} (use the self-edges option instead)`);
    const key = u < v ? `${u} ${v}` : `${v} ${u}`;
    const first = seen.get(key);
    if (first !== undefined) throw new EdgeListError(`line ${line}: edge ${u}–${v} repeats line ${first}`);
    seen.set(key, line);
    edges.push([u, v]);
  });
  if (edges.length === 0) throw new EdgeListError("no edges: give one \"u v\" pair per line");
  const n = 1 + Math.max(...edges.flat());
  const touched = new Uint8Array(n);
  for (const [u, v] of edges) touched[u] = touched[v] = 1;
  const missing = touched.indexOf(0);
  if (missing >= 0) throw new EdgeListError(`node ${missing} has no edge (ids must run 0…${n - 1} without gaps)`);
  return { name, n, edges };
}
