import type { Rng } from "../random.ts";
import type { Graph } from "./graphs.ts";

/*
 * Token sequences for a sequence model memorizing a graph (the GM repo's in-weights data, EXPERIMENTS.md §3A):
 *   edge  `[EDGE] u v`                      loss on v
 *   path  `[PATH] leaf [PAUSE]×k root n1 … leaf`   loss on n1 only ("first"), or on root … leaf ("full")
 * Tokens 0..n−1 are the nodes; the four specials follow (the repo has nine; the other five never occur in these
 * examples). Every sequence is padded with [PAD] to one length T, since positions are learned per index.
 */
export interface GraphVocabulary {
  nodes: number;
  EDGE: number;
  PATH: number;
  PAUSE: number;
  PAD: number;
  size: number;
}

export const graphVocabulary = (n: number): GraphVocabulary => ({ nodes: n, EDGE: n, PATH: n + 1, PAUSE: n + 2, PAD: n + 3, size: n + 4 });

/** Sequences of one length T with, per sequence, the positions whose next token is a training target. */
export interface SequenceSet {
  n: number;
  T: number;
  /** Sequence-major tokens [n·T]. */
  tokens: Int32Array;
  /** (sequence, position, target token): the logits at `position` should predict `target`. */
  targets: { seq: number; pos: number; token: number }[];
}

export type PathTarget = "first" | "full";

/** Root-to-leaf paths (BFS from `root`), one per leaf (a node of degree 1 other than the root), by leaf id. */
export function rootToLeafPaths(g: Graph, root = 0): number[][] {
  const adjacency = Array.from({ length: g.n }, () => [] as number[]);
  for (const [u, v] of g.edges) {
    adjacency[u]!.push(v);
    adjacency[v]!.push(u);
  }
  const parent = new Int32Array(g.n).fill(-1);
  parent[root] = root;
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const v of adjacency[queue[i]!]!) {
      if (parent[v] === -1) {
        parent[v] = queue[i]!;
        queue.push(v);
      }
    }
  }
  const paths: number[][] = [];
  for (let leaf = 0; leaf < g.n; leaf++) {
    if (leaf === root || adjacency[leaf]!.length !== 1 || parent[leaf] === -1) continue;
    const path = [leaf];
    while (path[0] !== root) path.unshift(parent[path[0]!]!);
    paths.push(path);
  }
  return paths;
}

/** Splits paths into train and held-out by leaf, `heldOut` of them (at least one when there are two or more). */
export function splitLeaves(paths: number[][], heldOut: number, rng: Rng): { train: number[][]; test: number[][] } {
  const order = paths.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const count = paths.length < 2 ? 0 : Math.min(paths.length - 1, Math.max(1, Math.round(heldOut * paths.length)));
  const pick = (ids: number[]) => ids.sort((a, b) => a - b).map((i) => paths[i]!);
  return { test: pick(order.slice(0, count)), train: pick(order.slice(count)) };
}

/** The length every sequence is padded to: a path query, its pauses and the longest path; at least 3 for edges. */
export const sequenceLength = (longestPath: number, pauses: number) => Math.max(3, 2 + pauses + longestPath);

export function edgeSequences(pairs: readonly (readonly [number, number])[], vocab: GraphVocabulary, T: number): SequenceSet {
  const tokens = new Int32Array(pairs.length * T).fill(vocab.PAD);
  const targets = pairs.map(([u, v], s) => {
    tokens[s * T] = vocab.EDGE;
    tokens[s * T + 1] = u;
    tokens[s * T + 2] = v;
    return { seq: s, pos: 1, token: v };
  });
  return { n: pairs.length, T, tokens, targets };
}

/**
 * `[PATH] leaf [PAUSE]×k root n1 … leaf`; with `withAnswer` false only the query and the root (teacher-forced
 * evaluation of n1 and the start of greedy decoding). Targets: n1 at the root's position, or the whole path.
 */
export function pathSequences(paths: readonly number[][], pauses: number, vocab: GraphVocabulary, T: number, target: PathTarget): SequenceSet {
  const tokens = new Int32Array(paths.length * T).fill(vocab.PAD);
  const targets: SequenceSet["targets"] = [];
  paths.forEach((path, s) => {
    const leaf = path[path.length - 1]!;
    const o = s * T;
    tokens[o] = vocab.PATH;
    tokens[o + 1] = leaf;
    for (let p = 0; p < pauses; p++) tokens[o + 2 + p] = vocab.PAUSE;
    const start = 2 + pauses;
    path.forEach((node, i) => (tokens[o + start + i] = node));
    if (target === "first") targets.push({ seq: s, pos: start, token: path[1]! });
    else path.forEach((node, i) => targets.push({ seq: s, pos: start + i - 1, token: node }));
  });
  return { n: paths.length, T, tokens, targets };
}

/** Both sets as one batch (edges first). */
export function concatSets(a: SequenceSet, b: SequenceSet): SequenceSet {
  if (a.T !== b.T) throw new RangeError(`sequence lengths differ: ${a.T} and ${b.T}`);
  const tokens = new Int32Array((a.n + b.n) * a.T);
  tokens.set(a.tokens);
  tokens.set(b.tokens, a.n * a.T);
  return { n: a.n + b.n, T: a.T, tokens, targets: [...a.targets, ...b.targets.map((t) => ({ ...t, seq: t.seq + a.n }))] };
}

/** Time-major target rows [(T − from)·n, V] (row (t − from)·n + s), one-hot at each target, zero elsewhere. */
export function timeMajorTargets(set: SequenceSet, V: number, from = 0): Float32Array {
  const out = new Float32Array((set.T - from) * set.n * V);
  for (const { seq, pos, token } of set.targets) out[((pos - from) * set.n + seq) * V + token] = 1;
  return out;
}

/** Sequences lo … hi − 1 of the set, renumbered from 0, with their targets. */
export function sliceSet(set: SequenceSet, lo: number, hi: number): SequenceSet {
  const targets = set.targets.filter((t) => t.seq >= lo && t.seq < hi).map((t) => ({ ...t, seq: t.seq - lo }));
  return { n: hi - lo, T: set.T, tokens: set.tokens.slice(lo * set.T, hi * set.T), targets };
}

/** The set's first `length` positions (targets beyond them dropped). */
export function truncateSet(set: SequenceSet, length: number): SequenceSet {
  const tokens = new Int32Array(set.n * length);
  for (let s = 0; s < set.n; s++) tokens.set(set.tokens.subarray(s * set.T, s * set.T + length), s * length);
  return { n: set.n, T: length, tokens, targets: set.targets.filter((t) => t.pos < length) };
}

/** The tokens time-major (row t·n + s), as floats. */
export function timeMajorTokens(set: SequenceSet): Float32Array {
  const out = new Float32Array(set.T * set.n);
  for (let s = 0; s < set.n; s++) for (let t = 0; t < set.T; t++) out[t * set.n + s] = set.tokens[s * set.T + t]!;
  return out;
}

/** Sequences cut to the positions their targets need, and the first position with a target. */
export interface SequencePart {
  set: SequenceSet;
  from: number;
}

/**
 * The set as parts whose loss, summed, is the whole set's: sequences grouped by the range of positions their
 * targets sit at, each cut after its last target (a causal model's later positions cannot change earlier
 * outputs) and needing outputs from its first target on. Edge sequences need 2 of T positions and 1 output.
 * Sequences without targets are left out.
 */
export function liveParts(set: SequenceSet): SequencePart[] {
  const range = new Map<number, { from: number; to: number }>();
  for (const { seq, pos } of set.targets) {
    const r = range.get(seq);
    range.set(seq, r ? { from: Math.min(r.from, pos), to: Math.max(r.to, pos + 1) } : { from: pos, to: pos + 1 });
  }
  const groups = new Map<string, { from: number; T: number; seqs: number[] }>();
  for (let s = 0; s < set.n; s++) {
    const r = range.get(s);
    if (!r) continue;
    const key = `${r.from}:${r.to}`;
    const g = groups.get(key) ?? { from: r.from, T: r.to, seqs: [] };
    g.seqs.push(s);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ from, T, seqs }) => {
    const index = new Map(seqs.map((s, i) => [s, i]));
    const tokens = new Int32Array(seqs.length * set.T);
    seqs.forEach((s, i) => tokens.set(set.tokens.subarray(s * set.T, (s + 1) * set.T), i * set.T));
    const targets = set.targets.filter((t) => index.has(t.seq)).map((t) => ({ ...t, seq: index.get(t.seq)! }));
    return { set: truncateSet({ n: seqs.length, T: set.T, tokens, targets }, T), from };
  });
}
