export { RunStore, type NewRun, type StoredEvent, type StoredSnapshot } from "./run-store.ts";
