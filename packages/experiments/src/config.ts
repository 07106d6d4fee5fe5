import type { Config, ConfigField } from "@orrery/protocol";
import { ConfigError } from "./types.ts";

/** The knobs every experiment shares; each experiment lists them with its own defaults. */
export const commonFields = (d: { seed?: number; steps: number; lr: number; snapshot_every?: number }): ConfigField[] => [
  { key: "lr", label: "Learning rate", kind: "number", default: d.lr, min: 0, max: 100 },
  { key: "steps", label: "Steps", kind: "number", default: d.steps, min: 1, max: 100_000_000, integer: true },
  { key: "seed", label: "Seed", kind: "number", default: d.seed ?? 0, min: 0, max: 2 ** 31 - 1, integer: true },
  {
    key: "snapshot_every",
    label: "Snapshot every (steps)",
    kind: "number",
    default: d.snapshot_every ?? 50,
    min: 1,
    max: 1_000_000,
    integer: true,
  },
  {
    key: "sharpness_every",
    label: "Sharpness every (steps, 0 = off)",
    help: "Records the top Hessian eigenvalue of the loss (power iteration, ~40 gradient evaluations) every this many steps.",
    kind: "number",
    default: 0,
    min: 0,
    max: 1_000_000,
    integer: true,
  },
];

/**
 * Checks `partial` against the field list and returns a complete config.
 * Unknown keys, wrong types, out-of-range numbers and unknown enum options are refused by name.
 */
export function resolveFields(fields: readonly ConfigField[], partial: Config): Record<string, number | string | boolean> {
  const known = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new ConfigError(key, `unknown key (known: ${[...known.keys()].join(", ")})`);
  }
  const out: Record<string, number | string | boolean> = {};
  for (const f of fields) {
    const v = partial[f.key] ?? f.default;
    switch (f.kind) {
      case "number":
        if (typeof v !== "number" || !Number.isFinite(v)) throw new ConfigError(f.key, `expected a finite number, got ${JSON.stringify(v)}`);
        if (f.integer && !Number.isInteger(v)) throw new ConfigError(f.key, `expected an integer, got ${v}`);
        if (f.min !== undefined && v < f.min) throw new ConfigError(f.key, `${v} is below the minimum ${f.min}`);
        if (f.max !== undefined && v > f.max) throw new ConfigError(f.key, `${v} is above the maximum ${f.max}`);
        break;
      case "enum":
        if (typeof v !== "string" || !f.options.some((o) => o.value === v)) {
          throw new ConfigError(f.key, `expected one of ${f.options.map((o) => o.value).join(", ")}, got ${JSON.stringify(v)}`);
        }
        break;
      case "boolean":
        if (typeof v !== "boolean") throw new ConfigError(f.key, `expected true or false, got ${JSON.stringify(v)}`);
        break;
      case "text":
        if (typeof v !== "string") throw new ConfigError(f.key, `expected text, got ${JSON.stringify(v)}`);
        if (v.length > f.maxLength) throw new ConfigError(f.key, `${v.length} characters exceed the limit of ${f.maxLength}`);
        break;
    }
    out[f.key] = v;
  }
  return out;
}
