export { RunStore, type NewRun, type StoredCheckpoint, type StoredEvent, type StoredSnapshot } from "./run-store.ts";
