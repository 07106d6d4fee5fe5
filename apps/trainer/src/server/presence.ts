import type { RunManager } from "../runs/run-manager.ts";
import { Connection } from "./connection.ts";

/** Tells everyone subscribed to `runId` who is watching it now (after someone joins or leaves). */
export function announcePresence(manager: RunManager, runId: string): void {
  const watching = manager.subscribersOf(runId).filter((s): s is Connection => s instanceof Connection);
  const watchers = watching.map((c) => c.watcher);
  for (const conn of watching) conn.send({ type: "presence", runId, watchers });
}
