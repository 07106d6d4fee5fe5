import type { DataPatch, Intervention, InterventionRecord, ParameterValue } from "@orrery/protocol";

/** The set presets the panel offers, with what their one text argument means (empty: none). */
export const SET_PRESETS = {
  diag: "diagonal, e.g. -1, -1",
  identity: "",
  zeros: "",
  rotation: "θ in radians, e.g. 0.2167",
  reference: "",
  normal: "scale σ",
  add_noise: "noise scale σ",
  scale: "factor",
  low_rank: "rank",
  values: "values, row-major, e.g. 1, 0, 0, -1",
} as const satisfies Record<ParameterValue["preset"], string>;
export type SetPreset = keyof typeof SET_PRESETS;

const numbers = (text: string) =>
  text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((t) => Number(t.replace("−", "-")));

/**
 * The `set` intervention a form asks for, or the reason it can't be sent. Shapes are checked by the daemon
 * (it knows the group's shape); here only the text's own syntax.
 */
export function setIntervention(group: string, preset: SetPreset, arg: string, shape: readonly number[]): Intervention | string {
  const values = numbers(arg);
  if (values.some((v) => !Number.isFinite(v))) return `"${arg}" is not a list of numbers`;
  const one = () => (values.length === 1 ? values[0]! : null);
  const value = ((): ParameterValue | string => {
    switch (preset) {
      case "identity":
      case "zeros":
      case "reference":
        return { preset };
      case "diag":
        return values.length ? { preset, values } : "type the diagonal, e.g. -1, -1";
      case "values":
        return values.length ? { preset, shape: [...shape], values } : "type the values, row-major";
      case "rotation":
        return one() === null ? "type one angle θ" : { preset, theta: one()! };
      case "normal":
      case "add_noise":
        return one() === null || one()! < 0 ? "type one scale σ ≥ 0" : { preset, scale: one()! };
      case "scale":
        return one() === null ? "type one factor" : { preset, factor: one()! };
      case "low_rank":
        return one() === null || !Number.isInteger(one()) || one()! < 0 ? "type a rank (a whole number)" : { preset, rank: one()! };
    }
  })();
  return typeof value === "string" ? value : { kind: "set", group, value };
}

export const DIRECTIONS = ["both", "forward", "backward"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * The data knobs a run's config shows it has (graph runs: self_edges, direction; sampled runs: batch_size), at
 * their current values: the config's, then each `data` intervention of the log in order. Empty: no Data row.
 * Whether a knob applies to this run (e.g. batch size under an exact loss) is the daemon's to say.
 */
export function dataKnobs(config: Readonly<Record<string, unknown>> | undefined, log: readonly InterventionRecord[]): DataPatch {
  const knobs: DataPatch = {};
  if (!config) return knobs;
  if (typeof config.self_edges === "boolean") knobs.self_edges = config.self_edges;
  if (typeof config.direction === "string" && (DIRECTIONS as readonly string[]).includes(config.direction)) knobs.direction = config.direction as Direction;
  if (typeof config.batch_size === "number") knobs.batch_size = config.batch_size;
  for (const { intervention: iv } of log) {
    if (iv.kind !== "data") continue;
    for (const key of ["self_edges", "direction", "batch_size"] as const) {
      if (iv[key] !== undefined && key in knobs) (knobs as Record<string, unknown>)[key] = iv[key];
    }
  }
  return knobs;
}

/** The `data` intervention a typed batch size asks for, or the reason it can't be sent. */
export function batchSizeIntervention(text: string): Intervention | string {
  const value = Number(text.trim());
  if (!text.trim() || !Number.isInteger(value) || value < 1) return `"${text}" is not a batch size (a whole number ≥ 1)`;
  return { kind: "data", batch_size: value };
}
