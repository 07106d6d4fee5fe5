/**
 * The tiny graphs of the geometric-memory experiments (EXPERIMENTS.md §3A/§3B). Nodes are 0..n−1 and each
 * undirected edge is listed once, in its "forward" orientation (parent→child, i→i+1, left→right, top→bottom).
 * Node ids are left unpermuted: the models are permutation-equivariant (i.i.d. init), so labels do not matter.
 */
export interface Graph {
  readonly name: string;
  readonly n: number;
  readonly edges: readonly (readonly [number, number])[];
}

/** Every n×n matrix the analysis builds (cosines, spectra, an eigendecomposition per snapshot) must stay cheap on a CPU. */
export const MAX_GRAPH_NODES = 256;

/**
 * Star of trees: a root with `degree` children; below them every node has `branching` children, down to
 * `pathLength` nodes on each root-to-leaf path (root included). Ids in depth-first preorder, so with
 * branching 1 each arm is a contiguous block.
 */
export function treeStar(degree: number, branching: number, pathLength: number): Graph {
  if (degree < 1 || branching < 1 || pathLength < 2) throw new RangeError("treeStar needs degree ≥ 1, branching ≥ 1, pathLength ≥ 2");
  const edges: [number, number][] = [];
  let next = 1;
  const grow = (parent: number, depth: number, children: number) => {
    if (depth >= pathLength) return;
    for (let c = 0; c < children; c++) {
      const child = next++;
      edges.push([parent, child]);
      grow(child, depth + 1, branching);
    }
  };
  grow(0, 1, degree);
  const name = branching === 1 ? `path-star G(${degree},${pathLength})` : `tree-star (${degree}, ${branching}, ${pathLength})`;
  return { name, n: next, edges };
}

/** Path-star G(d, ℓ): a root plus d arms of ℓ−1 nodes, N = 1 + d(ℓ−1); arm a holds ids 1 + a(ℓ−1) … (a+1)(ℓ−1). */
export const pathStar = (degree: number, pathLength: number): Graph => treeStar(degree, 1, pathLength);

export function cycle(n: number): Graph {
  if (n < 3) throw new RangeError("a cycle needs at least 3 nodes");
  return { name: `cycle C${n}`, n, edges: Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as const) };
}

/** rows × cols grid, node r·cols + c (row-major). */
export function grid(rows: number, cols: number): Graph {
  if (rows < 1 || cols < 1 || rows * cols < 2) throw new RangeError("a grid needs at least 2 nodes");
  const edges: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const u = r * cols + c;
      if (c + 1 < cols) edges.push([u, u + 1]);
      if (r + 1 < rows) edges.push([u, u + cols]);
    }
  }
  return { name: `grid ${rows}×${cols}`, n: rows * cols, edges };
}

/** The GM repo's fixed irregular graph, in its edge order: the 12-cycle 0…11, chords 1–3 and 5–8, K4 on 12–15. */
export function irregular(): Graph {
  const edges: [number, number][] = [
    [12, 15], [5, 8], [5, 6], [8, 9], [7, 8], [1, 3], [13, 14], [13, 15], [12, 14], [12, 13],
    [1, 2], [4, 5], [3, 4], [10, 11], [0, 1], [2, 3], [6, 7], [11, 0], [9, 10], [14, 15],
  ];
  return { name: "irregular (16 nodes, 20 edges)", n: 16, edges };
}
