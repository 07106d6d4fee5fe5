import type { Config, ConfigField } from "@orrery/protocol";
import { resolveFields } from "../config.ts";
import { cycle, grid, irregular, MAX_GRAPH_NODES, pathStar, treeStar, type Graph } from "../datasets/graphs.ts";
import type { EdgeDirection } from "../datasets/graphs-edges.ts";
import { parseEdgeList } from "../datasets/graphs-parse.ts";
import { ConfigError } from "../types.ts";

/** The data knobs every tiny-graph experiment shares (EXPERIMENTS.md §3B). */
export interface GraphConfig {
  graph: GraphKind;
  star_degree: number;
  path_length: number;
  tree_branching: number;
  cycle_nodes: number;
  grid_rows: number;
  grid_cols: number;
  direction: EdgeDirection;
  self_edges: boolean;
  /** Used when graph = "edge_list": one undirected edge "u v" per line, nodes 0..n−1, `#` comments. */
  edges: string;
}

const GRAPH_KINDS = {
  cycle: "cycle",
  path_star: "path-star G(d, ℓ)",
  tree_star: "tree-star (d arms, each node branching below)",
  grid: "grid (row-major)",
  irregular: "irregular (16 nodes, 20 edges)",
  edge_list: "your edge list (below)",
} as const;
export type GraphKind = keyof typeof GRAPH_KINDS;

export interface GraphDefaults {
  graph: GraphKind;
  star_degree?: number;
  path_length?: number;
}

export const graphFields = (defaults: GraphDefaults): ConfigField[] => [
  {
    key: "graph",
    label: "Graph",
    kind: "enum",
    default: defaults.graph,
    options: Object.entries(GRAPH_KINDS).map(([value, label]) => ({ value, label })),
  },
  { key: "cycle_nodes", label: "Cycle: nodes", kind: "number", default: 15, min: 3, max: MAX_GRAPH_NODES, integer: true },
  { key: "star_degree", label: "Path-/tree-star: arms (d)", kind: "number", default: defaults.star_degree ?? 4, min: 1, max: MAX_GRAPH_NODES, integer: true },
  {
    key: "path_length",
    label: "Path-/tree-star: nodes per root-to-leaf path, root included (ℓ)",
    kind: "number",
    default: defaults.path_length ?? 5,
    min: 2,
    max: MAX_GRAPH_NODES,
    integer: true,
  },
  { key: "tree_branching", label: "Tree-star: children per node below the root", kind: "number", default: 2, min: 1, max: 16, integer: true },
  { key: "grid_rows", label: "Grid: rows", kind: "number", default: 4, min: 1, max: MAX_GRAPH_NODES, integer: true },
  { key: "grid_cols", label: "Grid: columns", kind: "number", default: 4, min: 1, max: MAX_GRAPH_NODES, integer: true },
  {
    key: "direction",
    label: "Edge directions trained",
    kind: "enum",
    default: "both",
    options: [
      { value: "both", label: "both (u→v and v→u)" },
      { value: "forward", label: "forward only (parent→child)" },
      { value: "backward", label: "backward only (child→parent)" },
    ],
  },
  { key: "self_edges", label: "Add self-edges (u→u)", kind: "boolean", default: false },
  {
    key: "edges",
    label: "Edge list (graph = your edge list): one \"u v\" per line",
    kind: "text",
    default: "",
    maxLength: 20_000,
  },
];

/** Resolves a graph experiment's config and checks that its graph can be built (refusing it by key if not). */
export function resolveGraphConfig<C extends GraphConfig>(fields: readonly ConfigField[], partial: Config): C {
  const c = resolveFields(fields, partial) as unknown as C;
  graphFromConfig(c);
  return c;
}

/** The graph a resolved config names; throws ConfigError naming the size key when it is out of range. */
export function graphFromConfig(c: GraphConfig): Graph {
  const check = (key: string, nodes: number) => {
    if (nodes > MAX_GRAPH_NODES) throw new ConfigError(key, `the graph would have ${nodes} nodes (at most ${MAX_GRAPH_NODES})`);
    if (nodes < 2) throw new ConfigError(key, "the graph needs at least 2 nodes");
  };
  switch (c.graph) {
    case "cycle":
      return cycle(c.cycle_nodes);
    case "path_star":
      check("star_degree", 1 + c.star_degree * (c.path_length - 1));
      return pathStar(c.star_degree, c.path_length);
    case "tree_star": {
      let nodes = 1;
      for (let depth = 1, width = c.star_degree; depth < c.path_length && nodes <= MAX_GRAPH_NODES; depth++, width *= c.tree_branching) nodes += width;
      check("tree_branching", nodes);
      return treeStar(c.star_degree, c.tree_branching, c.path_length);
    }
    case "grid":
      check("grid_rows", c.grid_rows * c.grid_cols);
      return grid(c.grid_rows, c.grid_cols);
    case "irregular":
      return irregular();
    case "edge_list":
      try {
        return parseEdgeList(c.edges);
      } catch (e) {
        throw new ConfigError("edges", (e as Error).message);
      }
  }
}
