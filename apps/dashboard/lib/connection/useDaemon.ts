"use client";

import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { CheckpointRef, Config, Intervention, MeasureKind } from "@orrery/protocol";
import { initialState, reducer } from "../state/reducer.ts";
import type { UiState } from "../state/types.ts";
import { DaemonClient } from "./client.ts";

export interface DaemonTarget {
  url: string;
  token: string;
  /** Shown to others watching the same run. */
  name?: string;
}

export interface DaemonCommands {
  start(experiment: string, config: Config, paused?: boolean): void;
  pause(runId: string): void;
  resume(runId: string): void;
  stop(runId: string): void;
  step(runId: string, n: number): void;
  select(runId: string | null): void;
  /** Pin the tensor views to the stored snapshot at or before `step` (throttled). */
  scrub(runId: string, step: number): void;
  /** Follow the latest snapshot again. */
  live(): void;
  dismissError(key: number): void;
  reconnectNow(): void;
  /** Fetch these runs' final metric values (into `state.finals`). */
  fetchFinals(runIds: string[]): void;
  /** Measure e.g. sharpness on a live run now; the value arrives as a metric point. */
  measure(runId: string, what: MeasureKind): void;
  /** Fetch a snapshot tensor's singular values over the run's snapshots (into `state.spectrum`). */
  fetchSpectrum(runId: string, tensor: string, maxPoints: number): void;
  /** Probe a live run's model with a typed input (into `state.inspection`). */
  inspect(runId: string, input: string): void;
  /** Freeze, set, change hyperparameters of a live run (the record lands in the run's intervention log). */
  intervene(runId: string, intervention: Intervention): void;
  /** Fetch a live run's parameter groups and settings (into `state.parameters`). */
  fetchParameters(runId: string): void;
  /** Fetch another run's history without following it (a fork's parent, for overlays). */
  fetchHistory(runId: string): void;
  /** Pin a comment to a step of a run. */
  annotate(runId: string, step: number, text: string): void;
  /** Owner: share links (into `state.links`; a new one's token into `state.newLink`). */
  fetchLinks(): void;
  createLink(opts: { role: "viewer" | "controller"; runIds?: string[]; expiresInS?: number }): void;
  revokeLink(linkId: string): void;
  /** Fetch the named checkpoints (into `state.checkpoints`). */
  fetchCheckpoints(): void;
  saveCheckpoint(runId: string, name: string): void;
  /** A new run from a named checkpoint, paused (it appears in the run list). */
  fork(from: CheckpointRef | { runId: string; step: number }, config?: Config): void;
}

const SCRUB_THROTTLE_MS = 60;

/**
 * The dashboard's one connection: owns a DaemonClient per (url, token), feeds the pure reducer,
 * and keeps the subscription on the selected run. Returns UI state plus commands.
 */
export function useDaemon(target: DaemonTarget | null, initialRunId: string | null): [UiState, DaemonCommands] {
  const [state, dispatch] = useReducer(reducer, target?.url ?? "", initialState);
  const clientRef = useRef<DaemonClient | null>(null);
  const selectedRef = useRef<string | null>(state.selectedRunId);
  selectedRef.current = state.selectedRunId;
  const initialRunRef = useRef(initialRunId);
  initialRunRef.current = initialRunId;

  const url = target?.url ?? null;
  const token = target?.token ?? "";
  const name = target?.name ?? "";
  useEffect(() => {
    if (url === null) return;
    // A new daemon (or token) starts from a clean slate; the remembered run is re-opened once it is listed.
    dispatch({ type: "reset", url, selectedRunId: initialRunRef.current });
    const client = new DaemonClient({ url, token, name, dispatch });
    clientRef.current = client;
    // The run first, then the socket: an early socket's buffered history is then recognised as this run's.
    client.view(initialRunRef.current);
    client.start();
    return () => {
      client.close();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [url, token, name]);

  // Keep the stream on whatever run is selected.
  useEffect(() => {
    clientRef.current?.view(state.selectedRunId);
  }, [state.selectedRunId]);

  // Throttled scrub: at most one snapshot request per SCRUB_THROTTLE_MS, the last position always sent.
  const scrubRef = useRef<{ timer: ReturnType<typeof setTimeout> | null; last: number; next: { runId: string; step: number } | null }>(
    { timer: null, last: 0, next: null },
  );
  const sendScrub = useCallback((runId: string, step: number) => {
    const requestId = clientRef.current?.requestSnapshot(runId, step, "scrub") ?? null;
    dispatch({ type: "scrub", runId, step, requestId });
  }, []);

  const commands = useMemo<DaemonCommands>(
    () => ({
      start: (experiment, config, paused) => void clientRef.current?.command({ type: "start", experiment, config, ...(paused && { paused }) }),
      pause: (runId) => void clientRef.current?.command({ type: "pause", runId }),
      resume: (runId) => void clientRef.current?.command({ type: "resume", runId }),
      stop: (runId) => void clientRef.current?.command({ type: "stop", runId }),
      step: (runId, n) => void clientRef.current?.command({ type: "step", runId, n }),
      select: (runId) => dispatch({ type: "select", runId }),
      scrub: (runId, step) => {
        const s = scrubRef.current;
        s.next = { runId, step };
        const wait = s.last + SCRUB_THROTTLE_MS - Date.now();
        if (wait <= 0 && !s.timer) {
          s.last = Date.now();
          s.next = null;
          sendScrub(runId, step);
          return;
        }
        if (s.timer) return;
        s.timer = setTimeout(() => {
          s.timer = null;
          s.last = Date.now();
          const n = s.next;
          s.next = null;
          if (n) sendScrub(n.runId, n.step);
        }, Math.max(0, wait));
      },
      live: () => {
        const s = scrubRef.current;
        if (s.timer) clearTimeout(s.timer);
        s.timer = null;
        s.next = null;
        dispatch({ type: "live" });
      },
      dismissError: (key) => dispatch({ type: "dismissError", key }),
      reconnectNow: () => clientRef.current?.reconnectNow(),
      fetchFinals: (runIds) => {
        // The daemon takes up to 500 runs per request.
        for (let i = 0; i < runIds.length; i += 500) clientRef.current?.requestFinals(runIds.slice(i, i + 500));
      },
      measure: (runId, what) => void clientRef.current?.command({ type: "measure", runId, what }),
      fetchSpectrum: (runId, tensor, maxPoints) => void clientRef.current?.requestSpectrum(runId, tensor, maxPoints),
      inspect: (runId, input) => void clientRef.current?.requestInspect(runId, input),
      intervene: (runId, intervention) => void clientRef.current?.requestIntervention(runId, intervention),
      fetchParameters: (runId) => void clientRef.current?.requestParameters(runId),
      fetchCheckpoints: () => void clientRef.current?.requestCheckpoints(),
      fetchLinks: () => void clientRef.current?.command({ type: "listLinks" }),
      annotate: (runId, step, text) => void clientRef.current?.command({ type: "annotate", runId, step, text }),
      createLink: (opts) => void clientRef.current?.command({ type: "createLink", ...opts }),
      revokeLink: (linkId) => void clientRef.current?.command({ type: "revokeLink", linkId }),
      fetchHistory: (runId) => void clientRef.current?.requestHistory(runId),
      saveCheckpoint: (runId, name) => void clientRef.current?.command({ type: "saveCheckpoint", runId, name }),
      fork: (from, config) => void clientRef.current?.command({ type: "fork", from, ...(config && { config }) }),
    }),
    [sendScrub],
  );

  return [state, commands];
}
