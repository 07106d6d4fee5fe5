import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BACKEND_PREFERENCES, startDaemon, type BackendPreference } from "./index.ts";

/** `orrery-trainer [--host H] [--port P] [--data-dir D] [--backend B] [--checkpoint-every SECONDS]`; env ORRERY_* as defaults. */
const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.ORRERY_HOST ?? "127.0.0.1" },
    port: { type: "string", default: process.env.ORRERY_PORT ?? "8787" },
    "data-dir": { type: "string", default: process.env.ORRERY_DATA_DIR ?? ".orrery" },
    backend: { type: "string", default: process.env.ORRERY_BACKEND ?? "auto" },
    "checkpoint-every": { type: "string", default: process.env.ORRERY_CHECKPOINT_SECONDS ?? "10" },
  },
});

const backend = values.backend as BackendPreference;
if (!BACKEND_PREFERENCES.includes(backend)) {
  console.error(`--backend must be one of ${BACKEND_PREFERENCES.join(", ")}`);
  process.exit(2);
}

const daemon = await startDaemon({
  host: values.host,
  port: Number(values.port),
  dataDir: resolve(values["data-dir"]),
  ...(process.env.ORRERY_TOKEN ? { token: process.env.ORRERY_TOKEN } : {}),
  backend,
  checkpointEveryMs: Number(values["checkpoint-every"]) * 1000,
});

console.log(`[trainer] listening on ${daemon.url} (data: ${daemon.dataDir})`);
console.log(`[trainer] backend: ${daemon.backend.name} — ${daemon.backend.reason}`);
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
