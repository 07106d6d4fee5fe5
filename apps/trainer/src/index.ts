export { startDaemon, storeFile, SERVER_VERSION, type Daemon, type DaemonOptions } from "./daemon.ts";
export { selectBackend, BACKEND_PREFERENCES, type BackendPreference } from "./backend/select-backend.ts";
export { RunManager, NotFoundError, type Subscriber } from "./runs/run-manager.ts";
export { loadOrCreateToken } from "./token.ts";
