// A worker thread's entry: Node 20 does not hand the parent's module loaders (tsx) to workers, so the worker
// registers tsx itself before loading its TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./shard-worker.ts");
