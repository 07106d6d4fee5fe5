import type { ParameterValue } from "@orrery/protocol";
import { svd } from "../analysis/svd.ts";
import { Rng } from "../random.ts";

/** A refused intervention: the message says what is wrong, and nothing was changed. */
export class InterventionError extends Error {
  override name = "InterventionError";
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const shapeText = (shape: readonly number[]) => `[${shape.join("×")}]`;

function square(group: string, shape: readonly number[], preset: string): number {
  if (shape.length !== 2 || shape[0] !== shape[1]) throw new InterventionError(`${preset} needs a square matrix; ${group} is ${shapeText(shape)}`);
  return shape[0]!;
}

/**
 * The new value of `group` (shape `shape`, current value `current`) that `value` asks for. Pure: random presets
 * draw from their own seed. `reference` is the experiment's known solution for the group, if it has one.
 */
export function parameterValue(
  group: string,
  shape: readonly number[],
  current: Float32Array,
  value: ParameterValue & { seed?: number },
  reference?: Float32Array,
): Float32Array {
  const n = size(shape);
  switch (value.preset) {
    case "zeros":
      return new Float32Array(n);
    case "identity":
    case "diag": {
      const side = square(group, shape, value.preset);
      const diagonal = value.preset === "identity" ? new Array<number>(side).fill(1) : value.values;
      if (diagonal.length !== side) throw new InterventionError(`diag has ${diagonal.length} values; ${group} is ${shapeText(shape)}`);
      const out = new Float32Array(n);
      diagonal.forEach((v, i) => (out[i * side + i] = v));
      return out;
    }
    case "rotation": {
      if (square(group, shape, "rotation") !== 2) throw new InterventionError(`rotation needs a 2×2 matrix; ${group} is ${shapeText(shape)}`);
      const [c, s] = [Math.cos(value.theta), Math.sin(value.theta)];
      return Float32Array.from([c, -s, s, c]);
    }
    case "normal":
    case "add_noise": {
      const noise = new Rng(value.seed ?? 0).normals(n, value.scale);
      if (value.preset === "normal") return noise;
      return current.map((x, i) => x + noise[i]!);
    }
    case "scale":
      return current.map((x) => x * value.factor);
    case "low_rank": {
      if (shape.length !== 2) throw new InterventionError(`low_rank needs a matrix; ${group} is ${shapeText(shape)}`);
      const [rows, cols] = shape as [number, number];
      const { U, S, V } = svd(current, rows, cols);
      const k = Math.min(value.rank, S.length);
      const r = S.length;
      const out = new Float32Array(n);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let x = 0;
          for (let q = 0; q < k; q++) x += U[i * r + q]! * S[q]! * V[j * r + q]!;
          out[i * cols + j] = x;
        }
      }
      return out;
    }
    case "reference":
      if (!reference) throw new InterventionError(`this experiment knows no reference value for ${group}`);
      return Float32Array.from(reference);
    case "values": {
      if (value.shape.join("×") !== shape.join("×")) {
        throw new InterventionError(`the values are ${shapeText(value.shape)}; ${group} is ${shapeText(shape)}`);
      }
      if (value.values.length !== n) throw new InterventionError(`${value.values.length} values do not fill ${shapeText(shape)} (${n})`);
      return Float32Array.from(value.values);
    }
  }
}

/** "[[1, 0], [0, −1]]" for small tensors, "‖·‖ = 3.21 (64 values)" otherwise: the log's before/after. */
export function describeValue(shape: readonly number[], data: Float32Array): string {
  const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? Number(x.toPrecision(3)).toString() : x.toExponential(2));
  if (data.length <= 9) {
    if (shape.length === 2) {
      const cols = shape[1]!;
      const rows = Array.from({ length: shape[0]! }, (_, i) => `[${Array.from(data.subarray(i * cols, (i + 1) * cols), fmt).join(", ")}]`);
      return `[${rows.join(", ")}]`;
    }
    return `[${Array.from(data, fmt).join(", ")}]`;
  }
  let sq = 0;
  for (const x of data) sq += x * x;
  return `‖·‖ = ${fmt(Math.sqrt(sq))} (${data.length} values)`;
}
