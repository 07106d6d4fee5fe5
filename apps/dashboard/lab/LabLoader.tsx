"use client";

import { useSyncExternalStore } from "react";
import { Lab } from "./Lab.tsx";

const noSubscription = () => () => {};

/**
 * The lab, rendered in the browser only (it reads the location and storage at its first render and lives on a
 * WebSocket); the server's page is the loading line. Imported statically, not with `next/dynamic`: the lab's code
 * then loads with the page's own scripts, in parallel, instead of being asked for only once the page has hydrated.
 */
export function LabLoader() {
  const inBrowser = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  return inBrowser ? <Lab /> : <div className="p-6 text-sm text-slate-500">Loading Orrery…</div>;
}
