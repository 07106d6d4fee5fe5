import type { NamedTensor } from "@orrery/protocol";
import { CheckpointError, type CheckpointContents } from "./safetensors-checkpoint.ts";

/** What a live run's problem looks like to a checkpoint: its experiment and each parameter group's shape. */
export interface RunShape {
  experiment: string;
  shapes: Record<string, readonly number[]>;
}

const fmt = (shape: readonly number[]) => `[${shape.join(",")}]`;
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const optimizerOf = (c: CheckpointContents, group: string) => c.optimizer.filter((t) => t.name.startsWith(`${group}/`));

/**
 * Everything that keeps `c` from loading into the run, as messages; empty when it fits. With `groups`, only
 * those groups are loaded (an inject of selected groups): the file must hold them, and may hold others.
 * Without, the file's groups must be exactly the run's.
 */
export function checkpointProblems(c: CheckpointContents, run: RunShape, groups?: readonly string[]): string[] {
  const problems: string[] = [];
  if (c.origin && c.origin.experiment !== run.experiment) {
    problems.push(`file is of experiment ${c.origin.experiment}, run is ${run.experiment}`);
  }
  const runGroups = Object.keys(run.shapes);
  const fileGroups = new Map(c.params.map((t) => [t.name, t]));
  if (groups !== undefined && groups.length === 0) problems.push("no groups selected");
  for (const g of groups ?? []) {
    if (!Object.hasOwn(run.shapes, g)) problems.push(`unknown group ${g}: the run has ${runGroups.join(", ")}`);
  }
  const wanted = groups ? groups.filter((g) => Object.hasOwn(run.shapes, g)) : runGroups;
  for (const g of wanted) {
    const t = fileGroups.get(g);
    const shape = run.shapes[g]!;
    if (!t) problems.push(`missing group ${g}: the file has ${[...fileGroups.keys()].join(", ") || "no parameters"}`);
    else if (!same(t.shape, shape)) problems.push(`group ${g}: file has shape ${fmt(t.shape)}, run has ${fmt(shape)}`);
    for (const s of optimizerOf(c, g)) {
      // Adam's moments have their group's shape; counters and bias-correction products are scalars.
      if (s.data.length > 1 && !same(s.shape, shape)) {
        problems.push(`optimizer state ${s.name}: file has shape ${fmt(s.shape)}, run's ${g} has ${fmt(shape)}`);
      }
    }
  }
  if (!groups) {
    for (const g of fileGroups.keys()) if (!Object.hasOwn(run.shapes, g)) problems.push(`file has group ${g}, which the run does not`);
  }
  return problems;
}

export function assertCheckpointFits(c: CheckpointContents, run: RunShape, groups?: readonly string[]): void {
  const problems = checkpointProblems(c, run, groups);
  if (problems.length) throw new CheckpointError(problems);
}

/** The selected groups' parameters and optimizer state (call after assertCheckpointFits). */
export function selectGroups(c: CheckpointContents, groups: readonly string[]): { params: NamedTensor[]; optimizer: NamedTensor[] } {
  const chosen = new Set(groups);
  return {
    params: c.params.filter((t) => chosen.has(t.name)),
    optimizer: groups.flatMap((g) => optimizerOf(c, g)),
  };
}
