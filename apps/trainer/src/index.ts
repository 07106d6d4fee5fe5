export { startDaemon, storeFile, SERVER_VERSION, type Daemon, type DaemonOptions } from "./daemon.ts";
export { selectBackend, BACKEND_PREFERENCES, type BackendPreference } from "./backend/select-backend.ts";
export { RunManager, NotFoundError, type Subscriber } from "./runs/run-manager.ts";
export { loadOrCreateToken } from "./token.ts";
export { DEFAULT_ALLOWED_ORIGINS, parseAllowedOrigins, OriginListError } from "./server/origin.ts";
export { DEFAULT_RATE_LIMITS, type RateLimits } from "./server/rate-limit.ts";
export { attachShards, shardPoolFor, ShardPool } from "./shards/shard-pool.ts";
