import type { DataPatch } from "@orrery/protocol";
import { directedPairs, type EdgeDirection } from "../datasets/graphs-edges.ts";
import type { Graph } from "../datasets/graphs.ts";
import { InterventionError } from "./parameter-values.ts";

/*
 * Shared checks and summaries of `data` interventions (Problem.setData). Every check runs before anything
 * changes; the experiment applies the patch only once all keys passed.
 */

type Key = keyof DataPatch;
type References = Readonly<Record<string, { value: number; label: string }>> | undefined;

/** Refuses the first key of the patch that this experiment has a reason to refuse, naming it and the reason. */
export function refuseKeys(patch: DataPatch, reasons: Partial<Record<Key, string>>): void {
  for (const key of ["self_edges", "direction", "batch_size"] as const) {
    const why = reasons[key];
    if (patch[key] !== undefined && why) throw new InterventionError(`${key}: ${why}`);
  }
}

/** Which directed pairs a graph run trains on. */
export interface EdgeData {
  direction: EdgeDirection;
  self_edges: boolean;
}

const DIRECTIONS: readonly EdgeDirection[] = ["forward", "backward", "both"];
const onOff = (b: boolean) => (b ? "on" : "off");

/** The edge data and training pairs a patch asks for, with the changes in words; refuses a patch that leaves no pair. */
export function patchEdges(g: Graph, current: EdgeData, patch: DataPatch): { next: EdgeData; pairs: [number, number][]; changes: string[] } {
  const next: EdgeData = { direction: patch.direction ?? current.direction, self_edges: patch.self_edges ?? current.self_edges };
  const pairs = directedPairs(g, next.direction, next.self_edges);
  if (pairs.length === 0) {
    const key = patch.self_edges === false ? "self_edges" : "direction";
    throw new InterventionError(`${key}: the graph would have no training pairs left`);
  }
  const changes: string[] = [];
  if (patch.self_edges !== undefined) {
    changes.push(next.self_edges === current.self_edges ? `self-edges already ${onOff(next.self_edges)}` : `self-edges ${onOff(current.self_edges)} → ${onOff(next.self_edges)}`);
  }
  if (patch.direction !== undefined) {
    changes.push(next.direction === current.direction ? `direction already ${next.direction}` : `direction ${current.direction} → ${next.direction}`);
  }
  return { next, pairs, changes };
}

export const sameEdges = (a: EdgeData, b: EdgeData) => a.direction === b.direction && a.self_edges === b.self_edges;

const encode = (e: EdgeData) => [e.self_edges ? 1 : 0, DIRECTIONS.indexOf(e.direction)];

/**
 * Edge data for dataState, so that checkpoints keep what a data intervention changed: the config's, then the
 * current. A trainer restoring it takes the current one only if its own config's matches: a fork whose edited
 * config sets self_edges or direction keeps its own.
 */
export const edgeDataState = (config: EdgeData, current: EdgeData): number[] => [...encode(config), ...encode(current)];

/** The edge data stored at `state[at…at+3]` (see edgeDataState) for a trainer with this config; null: keep its own. */
export function edgeDataFromState(state: readonly number[], at: number, config: EdgeData): EdgeData | null {
  if (state.length < at + 4) return null; // saved before data interventions
  const decode = (i: number): EdgeData | null => {
    const direction = DIRECTIONS[state[i + 1]!];
    return direction ? { self_edges: state[i] === 1, direction } : null;
  };
  const saved = decode(at);
  return saved && sameEdges(saved, config) ? decode(at + 2) : null;
}

/**
 * The batch size of a run that samples its batches: the config's, changed by `data` interventions. Its share
 * of the data state is [config's, current], so a checkpoint of a changed run restores the change (and a fork
 * whose edited config sets another batch size keeps its own).
 */
export class BatchSize {
  current: number;

  constructor(private readonly configured: number, private readonly bounds: { min: number; max: number }) {
    this.current = configured;
  }

  /** Applies a new size (checked against the experiment's own config bounds); the log's summary. */
  apply(size: number | undefined): string {
    if (size === undefined) return "no change";
    if (!Number.isInteger(size) || size < this.bounds.min || size > this.bounds.max) {
      throw new InterventionError(`batch_size: ${size} is outside this experiment's range ${this.bounds.min}…${this.bounds.max}`);
    }
    const before = this.current;
    this.current = size;
    return before === size ? `batch size already ${size}` : `batch size ${before} → ${size}`;
  }

  state(): number[] {
    return [this.configured, this.current];
  }

  /** From `state[at]`, written by state(); a state of another configured size (or none) keeps the config's. */
  restore(state: readonly number[], at: number): void {
    const ok = state.length >= at + 2 && state[at] === this.configured && Number.isInteger(state[at + 1]) && state[at + 1]! >= 1;
    this.current = ok ? state[at + 1]! : this.configured;
  }
}

/** The reference lines a change moved, e.g. "; top1 reference 50 → 66.67". Empty when none moved. */
export function referenceChanges(before: References, after: References): string {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const fmt = (v: number | undefined) => (v === undefined ? "none" : Number(v.toPrecision(4)).toString());
  const moved = [...keys]
    .filter((k) => before?.[k]?.value !== after?.[k]?.value)
    .map((k) => `${k} reference ${fmt(before?.[k]?.value)} → ${fmt(after?.[k]?.value)}`);
  return moved.length ? `; ${moved.join(", ")}` : "";
}

/**
 * The edge data a graph run trains on, changed by data interventions: `rebuild` (the problem's) replaces what is
 * built from the pairs. Its share of the data state is edgeDataState's.
 */
export class TrainedEdges {
  current: EdgeData;

  constructor(
    private readonly g: Graph,
    private readonly configured: EdgeData,
    private readonly rebuild: (pairs: [number, number][]) => void,
  ) {
    this.current = configured;
  }

  /** Applies a patch's self_edges / direction; the log's summary, with the reference lines it moved. */
  apply(patch: DataPatch, pairCount: () => number, references: () => References): string {
    const { next, pairs, changes } = patchEdges(this.g, this.current, patch);
    const [before, refs] = [pairCount(), references()];
    if (!sameEdges(next, this.current)) this.use(next, pairs);
    return `${changes.join(", ")}: ${before} → ${pairCount()} training pairs${referenceChanges(refs, references())}`;
  }

  state(): number[] {
    return edgeDataState(this.configured, this.current);
  }

  restore(state: readonly number[], at: number): void {
    const next = edgeDataFromState(state, at, this.configured);
    if (next && !sameEdges(next, this.current)) this.use(next, directedPairs(this.g, next.direction, next.self_edges));
  }

  private use(next: EdgeData, pairs: [number, number][]): void {
    this.rebuild(pairs);
    this.current = next;
  }
}
