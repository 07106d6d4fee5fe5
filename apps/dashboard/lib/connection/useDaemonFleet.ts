"use client";

import { useEffect, useReducer, useRef } from "react";
import { initialState, reducer } from "../state/reducer.ts";
import type { Action, UiState } from "../state/types.ts";
import { DaemonClient } from "./client.ts";
import type { DaemonTarget } from "./useDaemon.ts";

type FleetState = Record<string, UiState>;
type FleetAction = { url: string; action: Action } | { keep: string[] };

/** Each daemon's UI state by URL, through the same reducer as the one on screen. */
export function fleetReducer(state: FleetState, a: FleetAction): FleetState {
  if ("keep" in a) return Object.fromEntries(a.keep.map((url) => [url, state[url] ?? initialState(url)]));
  return { ...state, [a.url]: reducer(state[a.url] ?? initialState(a.url), a.action) };
}

/**
 * The other daemons the dashboard watches (not the one on screen): a connection each, following only the
 * run list and the connection's state (each reconnects on its own), so their runs show beside the active daemon's.
 */
export function useDaemonFleet(targets: readonly DaemonTarget[]): FleetState {
  const [state, dispatch] = useReducer(fleetReducer, {});
  // One client per daemon, kept while its URL, token and name stay: adding or removing a daemon leaves the others' connections alone.
  const clients = useRef(new Map<string, { who: string; client: DaemonClient }>());
  const key = JSON.stringify(targets.map((t) => [t.url, t.token, t.name ?? ""]));
  useEffect(() => {
    const wanted = new Map((JSON.parse(key) as [string, string, string][]).map(([url, token, name]) => [url, { token, name }]));
    const open = clients.current;
    for (const [url, { who, client }] of open) {
      const w = wanted.get(url);
      if (w && who === JSON.stringify(w)) continue;
      client.close();
      open.delete(url);
    }
    // Kept daemons keep their state; new or re-keyed ones start from a clean slate.
    dispatch({ keep: [...open.keys()] });
    for (const [url, w] of wanted) {
      if (open.has(url)) continue;
      const client = new DaemonClient({ url, ...w, early: null, dispatch: (action) => dispatch({ url, action }) });
      open.set(url, { who: JSON.stringify(w), client });
      client.start();
    }
  }, [key]);
  useEffect(() => {
    const open = clients.current;
    return () => {
      for (const { client } of open.values()) client.close();
      open.clear();
    };
  }, []);
  return state;
}
