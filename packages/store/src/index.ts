export { RunStore, type ImportedRun, type NewRun, type StoredCheckpoint, type StoredEvent, type StoredSnapshot } from "./run-store.ts";
