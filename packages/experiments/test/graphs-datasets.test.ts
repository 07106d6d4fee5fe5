import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cycle, grid, irregular, pathStar, treeStar, type Graph } from "../src/datasets/graphs.ts";
import { EdgeListError, parseEdgeList } from "../src/datasets/graphs-parse.ts";
import { directedPairs, outNeighbours, targetWeights } from "../src/datasets/graphs-edges.ts";

const degrees = (g: Graph) => {
  const deg = new Array<number>(g.n).fill(0);
  for (const [u, v] of g.edges) deg[u]!++, deg[v]!++;
  return deg;
};
const edgeKeys = (g: Graph) => new Set(g.edges.map(([u, v]) => (u < v ? `${u}-${v}` : `${v}-${u}`)));

describe("graph builders", () => {
  test("path-star G(4,5): 17 nodes, root of degree 4, each arm a contiguous chain", () => {
    const g = pathStar(4, 5);
    assert.equal(g.n, 17);
    assert.equal(g.edges.length, 16);
    assert.equal(degrees(g)[0], 4);
    assert.deepEqual(g.edges.slice(0, 5), [[0, 1], [1, 2], [2, 3], [3, 4], [0, 5]]);
    assert.equal(pathStar(5000, 5).n, 20_001, "N = 1 + d(ℓ−1)");
  });

  test("tree-star: branching below the root", () => {
    const g = treeStar(2, 2, 3);
    assert.equal(g.n, 1 + 2 * (1 + 2));
    assert.equal(g.edges.length, g.n - 1);
  });

  test("cycle, grid and the irregular graph have the documented shapes", () => {
    const c = cycle(15);
    assert.equal(c.edges.length, 15);
    assert.ok(degrees(c).every((d) => d === 2));
    const gr = grid(4, 4);
    assert.equal(gr.edges.length, 24);
    const nb5 = gr.edges.filter(([u, v]) => u === 5 || v === 5).map(([u, v]) => (u === 5 ? v : u)).sort((a, b) => a - b);
    assert.deepEqual(nb5, [1, 4, 6, 9], "row-major: node 5 = (1,1)");
    const ir = irregular();
    assert.equal(ir.n, 16);
    assert.equal(edgeKeys(ir).size, 20);
    for (let i = 0; i < 12; i++) assert.ok(edgeKeys(ir).has(i < (i + 1) % 12 ? `${i}-${(i + 1) % 12}` : `${(i + 1) % 12}-${i}`));
    for (const k of ["1-3", "5-8", "12-13", "12-14", "12-15", "13-14", "13-15", "14-15"]) assert.ok(edgeKeys(ir).has(k), k);
  });
});

describe("parseEdgeList", () => {
  test("reads one edge per line; comments, blank lines, tabs and commas are fine", () => {
    const g = parseEdgeList("# a triangle plus a tail\n0 1\n1\t2\n\n2,0   # closes it\n2 3\n", "tri");
    assert.deepEqual(g, { name: "tri", n: 4, edges: [[0, 1], [1, 2], [2, 0], [2, 3]] });
  });

  const refuses = (text: string, pattern: RegExp) =>
    assert.throws(() => parseEdgeList(text), (e: unknown) => e instanceof EdgeListError && pattern.test(e.message));

  test("names the bad line", () => {
    refuses("0 1\n1 2\n1 2 3\n", /^line 3: expected two node ids/);
    refuses("0 1\nfoo bar\n", /^line 2: .*"foo bar"/);
    refuses("0 1\n-1 2\n", /^line 2:/);
    refuses("0 1\n1 1\n", /^line 2: self-loop 1–1/);
    refuses("0 1\n1 2\n1 0\n", /^line 3: edge 1–0 repeats line 1/);
    refuses("0 1\n1 99999\n", /^line 2: node id 99999 is too large/);
  });

  test("refuses an empty list and gaps in the ids", () => {
    refuses("# nothing\n\n", /no edges/);
    refuses("0 1\n1 3\n", /node 2 has no edge/);
  });
});

describe("edge-memorization data", () => {
  const g = pathStar(2, 3); // 0–1–2, 0–3–4

  test("directions and self-edges", () => {
    assert.deepEqual(directedPairs(g, "forward", false), [[0, 1], [1, 2], [0, 3], [3, 4]]);
    assert.deepEqual(directedPairs(g, "backward", false), [[1, 0], [2, 1], [3, 0], [4, 3]]);
    assert.equal(directedPairs(g, "both", false).length, 8);
    const withSelf = directedPairs(g, "both", true);
    assert.equal(withSelf.length, 8 + 5);
    assert.ok(outNeighbours(g.n, withSelf)[2]!.has(2));
  });

  test("target weights: per source each row sums to 1; per pair the whole matrix sums to 1", () => {
    const pairs = directedPairs(g, "both", false);
    const perSource = targetWeights(g.n, pairs, "per_source");
    for (let u = 0; u < g.n; u++) {
      const row = perSource.subarray(u * g.n, (u + 1) * g.n).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(row - 1) < 1e-6);
    }
    assert.equal(perSource[0 * g.n + 1], 0.5);
    const perPair = targetWeights(g.n, pairs, "per_pair");
    assert.ok(Math.abs(perPair.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    const forward = targetWeights(g.n, directedPairs(g, "forward", false), "per_source");
    assert.equal(forward.subarray(2 * g.n, 3 * g.n).reduce((a, b) => a + b, 0), 0, "a leaf has no forward targets");
  });
});

test("a user's edge list is a graph option; a malformed one is refused by config key and line", async () => {
  const { node2vec, tinyNN, ConfigError } = await import("../src/index.ts");
  const config = tinyNN.resolveConfig({ graph: "edge_list", edges: "0 1\n1 2\n2 0\n2 3 # a tail", steps: 3, d: 8 });
  const problem = tinyNN.create(config);
  assert.deepEqual(problem.snapshot().find((t) => t.name === "adjacency")?.shape, [4, 4]);
  problem.dispose();
  assert.throws(
    () => node2vec.resolveConfig({ graph: "edge_list", edges: "0 1\n1 x" }),
    (e: unknown) => e instanceof ConfigError && /config\.edges: line 2: expected two node ids/.test(e.message),
  );
  assert.throws(() => node2vec.resolveConfig({ graph: "edge_list" }), /config\.edges: no edges/);
});
