"use client";

import { useEffect, useReducer } from "react";
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
  const key = JSON.stringify(targets.map((t) => [t.url, t.token, t.name ?? ""]));
  useEffect(() => {
    const list = JSON.parse(key) as [string, string, string][];
    dispatch({ keep: list.map(([url]) => url) });
    const clients = list.map(([url, token, name]) => {
      const client = new DaemonClient({ url, token, name, dispatch: (action) => dispatch({ url, action }) });
      client.start();
      return client;
    });
    return () => clients.forEach((c) => c.close());
  }, [key]);
  return state;
}
