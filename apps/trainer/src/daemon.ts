import { join } from "node:path";
import { experiments as builtInExperiments, type Experiment } from "@orrery/experiments";
import { RunStore } from "@orrery/store";
import type { BackendInfo, ServerMessage } from "@orrery/protocol";
import { selectBackend, type BackendPreference } from "./backend/select-backend.ts";
import { RunManager } from "./runs/run-manager.ts";
import { AccessControl } from "./server/access.ts";
import { startServer, type TrainerServer } from "./server/server.ts";
import type { SendLimits } from "./server/connection.ts";
import type { RateLimits } from "./server/rate-limit.ts";
import { loadOrCreateToken } from "./token.ts";

export const SERVER_VERSION = "0.1.0";

export interface DaemonOptions {
  host?: string;
  port?: number;
  dataDir: string;
  /** Fixed token; otherwise read from (or generated into) `<dataDir>/token`. */
  token?: string;
  backend?: BackendPreference;
  limits?: SendLimits;
  /** Browser origins allowed to connect (`*`: any; default: loopback pages on any port); see server/origin.ts. */
  allowedOrigins?: readonly string[];
  /** What each connection may send per second (default: 100 messages, bursts of 200, 1 MiB). */
  rateLimits?: RateLimits;
  /** How often live runs are checkpointed (default 10 s); a killed daemon resumes from the last one. */
  checkpointEveryMs?: number;
  /** The experiments this daemon offers (default: every built-in one). */
  experiments?: Readonly<Record<string, Experiment<any>>>;
}

export interface Daemon extends TrainerServer {
  token: string;
  tokenGenerated: boolean;
  backend: BackendInfo;
  dataDir: string;
  manager: RunManager;
  store: RunStore;
}

export const storeFile = (dataDir: string) => join(dataDir, "orrery.sqlite");

/** Composition root: backend → store → run manager → WebSocket server. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const backend = await selectBackend(opts.backend ?? "auto");
  const { token, generated } = loadOrCreateToken(opts.dataDir, opts.token);
  const store = RunStore.open(storeFile(opts.dataDir));
  let broadcast: (message: ServerMessage) => void = () => {};
  const experiments = opts.experiments ?? builtInExperiments;
  const manager = new RunManager(store, backend.name, experiments, (run) => broadcast({ type: "run", run }), {
    ...(opts.checkpointEveryMs !== undefined && { checkpointEveryMs: opts.checkpointEveryMs }),
    checkpointsDir: join(opts.dataDir, "checkpoints"),
  });
  await manager.recover();
  const server = await startServer(
    {
      manager,
      access: new AccessControl(store, token),
      backend,
      experiments: Object.values(experiments).map((e) => e.info),
      serverVersion: SERVER_VERSION,
    },
    {
      host: opts.host ?? "127.0.0.1",
      port: opts.port ?? 8787,
      token,
      ...(opts.limits && { limits: opts.limits }),
      ...(opts.allowedOrigins && { allowedOrigins: opts.allowedOrigins }),
      ...(opts.rateLimits && { rateLimits: opts.rateLimits }),
    },
  );
  broadcast = server.broadcast;
  return {
    ...server,
    token,
    tokenGenerated: generated,
    backend,
    dataDir: opts.dataDir,
    manager,
    store,
    async close() {
      await manager.shutdown("daemon shut down");
      await server.close();
      store.close();
    },
  };
}
