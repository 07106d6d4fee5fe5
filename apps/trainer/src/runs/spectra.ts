import { decodeSnapshotFrame } from "@orrery/protocol";
import { matrixProblem, matrixSingularValues, subsampleSteps } from "@orrery/experiments/analysis";
import type { RunStore } from "@orrery/store";

/** A request the daemon understands but cannot serve as asked (e.g. the spectrum of a vector). */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

export class UnknownTensorError extends Error {
  override name = "UnknownTensorError";
}

const MAX_CACHED = 20_000;

/**
 * Singular-value spectra of a snapshot tensor over a run's stored snapshots. Each (run, tensor, step) is
 * decomposed once: a dashboard re-asks as snapshots arrive, and the power-of-two subsampling keeps re-picking
 * the same steps.
 */
export class Spectra {
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly store: RunStore) {}

  over(runId: string, tensor: string, maxPoints: number): { steps: number[]; values: number[][] } {
    const steps = subsampleSteps(this.store.snapshotSteps(runId), maxPoints);
    return { steps, values: steps.map((step) => this.at(runId, tensor, step)) };
  }

  private at(runId: string, name: string, step: number): number[] {
    const key = `${runId}\u0000${name}\u0000${step}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const stored = this.store.snapshotAt(runId, step);
    const tensors = stored ? decodeSnapshotFrame(stored.bytes).tensors : [];
    const t = tensors.find((x) => x.name === name);
    if (!t) {
      const matrices = tensors.filter((x) => matrixProblem(x.name, x.shape) === null).map((x) => x.name);
      throw new UnknownTensorError(`the snapshot at step ${step} has no tensor "${name}" (matrices: ${matrices.join(", ") || "none"})`);
    }
    const problem = matrixProblem(t.name, t.shape);
    if (problem) throw new BadRequestError(problem);
    const values = Array.from(matrixSingularValues(t.data, t.shape[0]!, t.shape[1]!), (v) => Number(v.toPrecision(6)));
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, values);
    return values;
  }
}
