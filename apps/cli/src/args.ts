import type { Config, ConfigValue } from "@orrery/protocol";

/** `--set key=value` pairs → a partial config; numbers and booleans are recognized, the rest stay strings. */
export function parseSets(pairs: readonly string[]): Config {
  const config: Config = {};
  for (const pair of pairs) {
    const [key, raw] = splitPair(pair, "--set");
    config[key] = parseValue(raw);
  }
  return config;
}

/** `--vary key=1..20` (integers, inclusive) or `--vary key=a,b,c` → the key and its values. */
export function parseVary(pair: string): { key: string; values: ConfigValue[] } {
  const [key, raw] = splitPair(pair, "--vary");
  const range = raw.match(/^(-?\d+)\.\.(-?\d+)$/);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from) throw new Error(`--vary ${key}: empty range ${raw}`);
    return { key, values: Array.from({ length: to - from + 1 }, (_, i) => from + i) };
  }
  const values = raw.split(",").map((v) => parseValue(v.trim()));
  if (values.length === 0 || raw.trim() === "") throw new Error(`--vary ${key}: no values`);
  return { key, values };
}

function splitPair(pair: string, flag: string): [string, string] {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new Error(`${flag} expects key=value, got "${pair}"`);
  return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
}

function parseValue(raw: string): ConfigValue {
  if (raw === "true" || raw === "false") return raw === "true";
  const n = Number(raw);
  return raw !== "" && Number.isFinite(n) ? n : raw;
}
