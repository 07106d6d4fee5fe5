import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BACKEND_PREFERENCES, DEFAULT_ALLOWED_ORIGINS, OriginListError, parseAllowedOrigins, startDaemon, type BackendPreference } from "./index.ts";

/**
 * `orrery-trainer [--host H] [--port P] [--data-dir D] [--backend B] [--checkpoint-every SECONDS] [--allow-origin O]…`;
 * env ORRERY_* as defaults (ORRERY_ALLOWED_ORIGINS: comma-separated).
 */
const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.ORRERY_HOST ?? "127.0.0.1" },
    port: { type: "string", default: process.env.ORRERY_PORT ?? "8787" },
    "data-dir": { type: "string", default: process.env.ORRERY_DATA_DIR ?? ".orrery" },
    backend: { type: "string", default: process.env.ORRERY_BACKEND ?? "auto" },
    "checkpoint-every": { type: "string", default: process.env.ORRERY_CHECKPOINT_SECONDS ?? "10" },
    /** Browser origins allowed to connect, repeatable or comma-separated; `*` allows any. Replaces the default (loopback). */
    "allow-origin": { type: "string", multiple: true },
  },
});

const backend = values.backend as BackendPreference;
if (!BACKEND_PREFERENCES.includes(backend)) {
  console.error(`--backend must be one of ${BACKEND_PREFERENCES.join(", ")}`);
  process.exit(2);
}

let allowedOrigins: string[];
try {
  const given = values["allow-origin"] ?? (process.env.ORRERY_ALLOWED_ORIGINS ? [process.env.ORRERY_ALLOWED_ORIGINS] : []);
  allowedOrigins = given.length ? parseAllowedOrigins(given) : [...DEFAULT_ALLOWED_ORIGINS];
} catch (e) {
  if (!(e instanceof OriginListError)) throw e;
  console.error(`--allow-origin: ${e.message}`);
  process.exit(2);
}

const daemon = await startDaemon({
  host: values.host,
  port: Number(values.port),
  dataDir: resolve(values["data-dir"]),
  ...(process.env.ORRERY_TOKEN ? { token: process.env.ORRERY_TOKEN } : {}),
  backend,
  checkpointEveryMs: Number(values["checkpoint-every"]) * 1000,
  allowedOrigins,
});

console.log(`[trainer] listening on ${daemon.url} (data: ${daemon.dataDir})`);
console.log(`[trainer] backend: ${daemon.backend.name} — ${daemon.backend.reason}`);
console.log(`[trainer] browser origins allowed: ${allowedOrigins.join(", ")} (--allow-origin)`);
if (daemon.tokenGenerated) console.log(`[trainer] generated an access token in ${daemon.dataDir}/token`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    console.log(`[trainer] ${signal}: stopping runs, closing connections`);
    void daemon.close().then(() => process.exit(0));
  });
}
