import type { RunManager } from "../runs/run-manager.ts";
import { Connection } from "./connection.ts";

/** Joins and leaves within this window make one announcement (a crowd arriving costs n messages, not n²). */
const PRESENCE_DEBOUNCE_MS = 200;
const pending = new WeakMap<RunManager, Map<string, NodeJS.Timeout>>();

/** Tells everyone subscribed to `runId` who is watching it now, shortly after someone joins or leaves. */
export function announcePresence(manager: RunManager, runId: string): void {
  let timers = pending.get(manager);
  if (!timers) pending.set(manager, (timers = new Map()));
  if (timers.has(runId)) return;
  const timer = setTimeout(() => {
    timers.delete(runId);
    const watching = manager.subscribersOf(runId).filter((s): s is Connection => s instanceof Connection);
    const message = { type: "presence" as const, runId, watchers: watching.map((c) => c.watcher) };
    for (const conn of watching) conn.send(message);
  }, PRESENCE_DEBOUNCE_MS);
  timer.unref();
  timers.set(runId, timer);
}
