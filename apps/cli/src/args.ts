import type { Config, ConfigValue } from "@orrery/protocol";

/** `--set key=value` pairs → a partial config; numbers and booleans are recognized, the rest stay strings. */
export function parseSets(pairs: readonly string[]): Config {
  const config: Config = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--set expects key=value, got "${pair}"`);
    config[pair.slice(0, eq).trim()] = parseValue(pair.slice(eq + 1).trim());
  }
  return config;
}

function parseValue(raw: string): ConfigValue {
  if (raw === "true" || raw === "false") return raw === "true";
  const n = Number(raw);
  return raw !== "" && Number.isFinite(n) ? n : raw;
}
