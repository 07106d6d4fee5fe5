import type { RunSummary, ServerMessage, ServerMessageOf, SnapshotFrame } from "@orrery/protocol";
import type { Action, RunData, RunView, SeriesView, SnapshotView, UiError, UiState } from "./types.ts";

/** Streamed series are compacted (older half decimated, min/max kept) once they grow past this. */
export const MAX_SERIES_POINTS = 6000;
/** How many errors the banner keeps. */
export const MAX_ERRORS = 5;

export function initialState(url = ""): UiState {
  return {
    connection: {
      status: url ? "connecting" : "idle",
      url,
      attempt: 0,
      retryAt: null,
      detail: null,
      serverVersion: null,
      everConnected: false,
    },
    backend: null,
    experiments: [],
    runs: {},
    selectedRunId: null,
    data: {},
    scrub: null,
    finals: {},
    spectrum: null,
    inspection: null,
    parameters: null,
    checkpoints: [],
    role: "owner",
    you: null,
    links: [],
    newLink: null,
    errors: [],
    pending: {},
    nextErrorKey: 1,
  };
}

export function emptyRunData(): RunData {
  return {
    series: {},
    snapshotSteps: [],
    latest: null,
    liveStep: 0,
    seq: { metrics: -1, state: -1, snapshot: -1 },
    historyLoaded: false,
    interventions: [],
    annotations: [],
    watchers: [],
  };
}

/** Pure: (state, action) → state. Never mutates its inputs. */
export function reducer(state: UiState, action: Action): UiState {
  switch (action.type) {
    case "batch":
      return action.actions.reduce(reducer, state);
    case "reset": {
      const next = initialState(action.url);
      return action.selectedRunId === undefined ? next : { ...next, selectedRunId: action.selectedRunId };
    }
    case "connection": {
      const connected = action.status === "connected";
      const lost = action.status === "reconnecting" || action.status === "connecting";
      return {
        ...state,
        connection: {
          ...state.connection,
          status: action.status,
          attempt: action.attempt ?? (connected ? 0 : state.connection.attempt),
          retryAt: action.retryAt !== undefined ? action.retryAt : connected ? null : state.connection.retryAt,
          detail: action.detail !== undefined ? action.detail : connected ? null : state.connection.detail,
          everConnected: state.connection.everConnected || connected,
        },
        // Requests in flight on a lost socket will never be answered.
        pending: lost ? {} : state.pending,
        scrub: lost && state.scrub ? { ...state.scrub, requestId: null } : state.scrub,
      };
    }
    case "localError":
      return pushError(state, { code: action.code, message: action.message, requestId: null, at: action.at ?? Date.now() });
    case "request":
      return {
        ...state,
        pending: { ...state.pending, [action.id]: { kind: action.kind, runId: action.runId, purpose: action.purpose } },
      };
    case "select":
      if (action.runId === state.selectedRunId) return state;
      return {
        ...state,
        selectedRunId: action.runId,
        scrub: null,
        data: action.runId && !state.data[action.runId] ? { ...state.data, [action.runId]: emptyRunData() } : state.data,
      };
    case "scrub":
      return {
        ...state,
        scrub: {
          runId: action.runId,
          step: action.step,
          requestId: action.requestId,
          // Keep showing the previous scrubbed frame until the new one arrives (no flicker).
          snapshot: state.scrub?.runId === action.runId ? state.scrub.snapshot : null,
        },
      };
    case "live":
      return state.scrub ? { ...state, scrub: null } : state;
    case "dismissError":
      return { ...state, errors: state.errors.filter((e) => e.key !== action.key) };
    case "frame":
      return applyFrame(state, action.frame);
    case "server":
      return applyServer(state, action.message, action.at ?? Date.now());
  }
}

function applyServer(state: UiState, m: ServerMessage, at: number): UiState {
  switch (m.type) {
    case "welcome":
      return {
        ...state,
        connection: {
          ...state.connection,
          status: "connected",
          attempt: 0,
          retryAt: null,
          detail: null,
          serverVersion: m.serverVersion,
          everConnected: true,
        },
        backend: m.backend,
        experiments: m.experiments,
        role: m.role ?? "owner",
        you: m.you ?? null,
        runs: mergeRunList(state.runs, m.runs),
        // A remembered run this daemon does not know is dropped rather than asked for.
        selectedRunId:
          state.selectedRunId && m.runs.some((r) => r.runId === state.selectedRunId) ? state.selectedRunId : null,
      };
    case "runs":
      return { ...withoutPending(state, m.id), runs: mergeRunList(state.runs, m.runs) };
    case "run":
      return { ...state, runs: upsertRun(state.runs, m.run) };
    case "ack": {
      const pending = state.pending[m.id];
      let next = withoutPending(state, m.id);
      if (m.run) next = { ...next, runs: upsertRun(next.runs, m.run) };
      // A run this client just started becomes the one on screen.
      if (pending?.kind === "start" && m.run) next = reducer(next, { type: "select", runId: m.run.runId });
      return next;
    }
    case "error": {
      const pending = m.id === null ? undefined : state.pending[m.id];
      const next = m.id === null ? state : withoutPending(state, m.id);
      const what = pending ? `${pending.kind}${pending.runId ? ` ${pending.runId}` : ""}: ` : "";
      const scrub = next.scrub && next.scrub.requestId === m.id ? { ...next.scrub, requestId: null } : next.scrub;
      return pushError({ ...next, scrub }, { code: m.code, message: what + m.message, requestId: m.id, at });
    }
    case "history": {
      const next = withoutPending(state, m.id);
      const data = next.data[m.runId] ?? emptyRunData();
      return { ...next, data: { ...next.data, [m.runId]: mergeHistory(data, m) } };
    }
    case "finalMetrics":
      return { ...withoutPending(state, m.id), finals: { ...state.finals, ...m.values } };
    case "spectrum":
      return { ...withoutPending(state, m.id), spectrum: { runId: m.runId, tensor: m.tensor, steps: m.steps, values: m.values } };
    case "intervention": {
      const next = m.id ? withoutPending(state, m.id) : state;
      const data = next.data[m.runId] ?? emptyRunData();
      return { ...next, data: { ...next.data, [m.runId]: { ...data, interventions: mergeBySeq(data.interventions, [m.record]) } } };
    }
    case "annotation": {
      const next = m.id ? withoutPending(state, m.id) : state;
      const data = next.data[m.runId] ?? emptyRunData();
      return { ...next, data: { ...next.data, [m.runId]: { ...data, annotations: mergeBySeq(data.annotations, [m.annotation]) } } };
    }
    case "presence": {
      const data = state.data[m.runId] ?? emptyRunData();
      return { ...state, data: { ...state.data, [m.runId]: { ...data, watchers: m.watchers } } };
    }
    case "links":
      return { ...withoutPending(state, m.id), links: m.items };
    case "link":
      return {
        ...withoutPending(state, m.id),
        links: [m.link, ...state.links.filter((l) => l.linkId !== m.link.linkId)],
        newLink: { linkId: m.link.linkId, token: m.token },
      };
    case "checkpoints":
      return { ...withoutPending(state, m.id), checkpoints: m.items };
    case "checkpointSaved":
      return { ...withoutPending(state, m.id), checkpoints: [m.entry, ...state.checkpoints.filter((c) => c.runId !== m.entry.runId || c.name !== m.entry.name)] };
    case "parameters":
      return { ...withoutPending(state, m.id), parameters: { runId: m.runId, groups: m.groups, lr: m.lr, weightDecay: m.weightDecay } };
    case "inspection": {
      const tensors = m.tensors.map((t) => ({ name: t.name, data: { shape: t.shape, data: Float32Array.from(t.values) } }));
      return { ...withoutPending(state, m.id), inspection: { runId: m.runId, step: m.step, input: m.input, tensors } };
    }
    case "state": {
      const data = state.data[m.runId] ?? emptyRunData();
      if (m.seq <= data.seq.state) return state;
      const run = state.runs[m.runId];
      const runs = run
        ? {
            ...state.runs,
            [m.runId]: { ...run, state: m.state, reason: m.reason, step: Math.max(run.step, m.step), updatedAt: at },
          }
        : state.runs;
      return {
        ...state,
        runs,
        data: {
          ...state.data,
          [m.runId]: { ...data, seq: { ...data.seq, state: m.seq }, liveStep: Math.max(data.liveStep, m.step) },
        },
      };
    }
    case "metrics": {
      const data = state.data[m.runId] ?? emptyRunData();
      const fresh = m.points.filter((p) => p.seq > data.seq.metrics).sort((a, b) => a.seq - b.seq);
      if (fresh.length === 0) return state;
      const series: Record<string, SeriesView> = { ...data.series };
      const lastStep = (s: SeriesView | undefined) => (s && s.step.length ? s.step[s.step.length - 1]! : -1);
      const appended: Record<string, SeriesView> = {};
      for (const p of fresh) {
        for (const [key, value] of Object.entries(p.values)) {
          let s = appended[key];
          if (!s) {
            const base = series[key] ?? { step: [], value: [] };
            s = appended[key] = { step: base.step.slice(), value: base.value.slice() };
          }
          // Steps only move forward within a run; a point at or before the tail is already drawn.
          if (p.step <= lastStep(s)) continue;
          s.step.push(p.step);
          s.value.push(value);
        }
      }
      for (const [key, s] of Object.entries(appended)) series[key] = compactSeries(s);
      const maxSeq = fresh[fresh.length - 1]!.seq;
      const maxStep = fresh.reduce((a, p) => Math.max(a, p.step), data.liveStep);
      return {
        ...state,
        runs: bumpStep(state.runs, m.runId, maxStep),
        data: { ...state.data, [m.runId]: { ...data, series, seq: { ...data.seq, metrics: maxSeq }, liveStep: maxStep } },
      };
    }
  }
}

function applyFrame(state: UiState, frame: SnapshotFrame): UiState {
  const view = toSnapshotView(frame);
  if (frame.requestId !== undefined) {
    const pending = state.pending[frame.requestId];
    let next = withoutPending(state, frame.requestId);
    if (next.scrub && next.scrub.requestId === frame.requestId && next.scrub.runId === frame.runId) {
      next = { ...next, scrub: { ...next.scrub, requestId: null, snapshot: view } };
    }
    if (pending?.purpose === "latest") {
      const data = next.data[frame.runId] ?? emptyRunData();
      if (frame.seq > data.seq.snapshot) {
        next = {
          ...next,
          data: {
            ...next.data,
            [frame.runId]: {
              ...data,
              latest: view,
              seq: { ...data.seq, snapshot: frame.seq },
              snapshotSteps: insertSorted(data.snapshotSteps, frame.step),
            },
          },
        };
      }
    }
    return next;
  }
  const data = state.data[frame.runId] ?? emptyRunData();
  if (frame.seq <= data.seq.snapshot) return state;
  const liveStep = Math.max(data.liveStep, frame.step);
  return {
    ...state,
    runs: bumpStep(state.runs, frame.runId, frame.step),
    data: {
      ...state.data,
      [frame.runId]: {
        ...data,
        latest: view,
        liveStep,
        seq: { ...data.seq, snapshot: frame.seq },
        snapshotSteps: insertSorted(data.snapshotSteps, frame.step),
      },
    },
  };
}

export function toSnapshotView(frame: SnapshotFrame): SnapshotView {
  const tensors: SnapshotView["tensors"] = {};
  for (const t of frame.tensors) tensors[t.name] = { shape: t.shape, data: t.data };
  return { step: frame.step, seq: frame.seq, tensors };
}

export function toRunView(r: RunSummary): RunView {
  return {
    id: r.runId,
    experiment: r.experiment,
    config: r.config,
    state: r.state,
    reason: r.reason,
    step: r.step,
    totalSteps: r.totalSteps,
    backend: r.backend,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    references: r.references,
    parent: r.parent ?? null,
    ...(r.imported && { imported: r.imported }),
  };
}

/** The server's summary wins, except that a step never goes backwards (streamed events may be ahead of it). */
function mergeSummary(prev: RunView | undefined, summary: RunSummary): RunView {
  const next = toRunView(summary);
  if (prev && prev.step > next.step) next.step = prev.step;
  return next;
}

function upsertRun(runs: Record<string, RunView>, summary: RunSummary): Record<string, RunView> {
  return { ...runs, [summary.runId]: mergeSummary(runs[summary.runId], summary) };
}

/** A full list from the daemon replaces ours (runs it no longer lists are gone). */
function mergeRunList(runs: Record<string, RunView>, list: RunSummary[]): Record<string, RunView> {
  const out: Record<string, RunView> = {};
  for (const r of list) out[r.runId] = mergeSummary(runs[r.runId], r);
  return out;
}

function bumpStep(runs: Record<string, RunView>, runId: string, step: number): Record<string, RunView> {
  const run = runs[runId];
  if (!run || run.step >= step) return runs;
  return { ...runs, [runId]: { ...run, step } };
}

/**
 * History (downsampled, covering seq ≤ lastSeq) replaces the series; streamed points past its last step
 * are kept after it. Metric dedupe then starts from `lastSeq`, so the subscription's replay adds only new points.
 */
export function mergeHistory(data: RunData, m: ServerMessageOf<"history">): RunData {
  const series: Record<string, SeriesView> = {};
  let historyLastStep = -1;
  for (const [key, s] of Object.entries(m.series)) {
    const n = Math.min(s.step.length, s.value.length);
    const hs = { step: s.step.slice(0, n), value: s.value.slice(0, n) };
    const tail = hs.step.length ? hs.step[hs.step.length - 1]! : -1;
    historyLastStep = Math.max(historyLastStep, tail);
    const old = data.series[key];
    if (old) {
      for (let i = 0; i < old.step.length; i++) {
        if (old.step[i]! > tail) {
          hs.step.push(old.step[i]!);
          hs.value.push(old.value[i]!);
        }
      }
    }
    series[key] = compactSeries(hs);
  }
  // Metrics streamed before the history (and not in it) stay.
  for (const [key, s] of Object.entries(data.series)) if (!series[key]) series[key] = s;
  const lastSnapshot = m.snapshotSteps.length ? m.snapshotSteps[m.snapshotSteps.length - 1]! : -1;
  const snapshotSteps = [...m.snapshotSteps].sort((a, b) => a - b);
  for (const s of data.snapshotSteps) if (s > lastSnapshot) snapshotSteps.push(s);
  return {
    ...data,
    series,
    snapshotSteps: dedupeSorted(snapshotSteps),
    liveStep: Math.max(data.liveStep, historyLastStep, lastSnapshot),
    seq: { ...data.seq, metrics: Math.max(data.seq.metrics, m.lastSeq) },
    historyLoaded: true,
    interventions: mergeBySeq(data.interventions, m.interventions ?? []),
    annotations: mergeBySeq(data.annotations, m.annotations ?? []),
  };
}

/** Both logs as one, by seq, each record once (history and the live stream overlap). */
export function mergeBySeq<T extends { seq: number }>(a: readonly T[], b: readonly T[]): T[] {
  const bySeq = new Map<number, T>();
  for (const r of [...a, ...b]) bySeq.set(r.seq, r);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

/**
 * Bounds memory on long runs: past MAX_SERIES_POINTS, the older part is decimated in groups of four,
 * keeping each group's min and max (spikes survive), and the newest points stay untouched.
 */
export function compactSeries(s: SeriesView, max = MAX_SERIES_POINTS): SeriesView {
  if (s.step.length <= max) return s;
  const keepTail = Math.floor(max / 4);
  const head = s.step.length - keepTail;
  const step: number[] = [];
  const value: (number | null)[] = [];
  for (let i = 0; i < head; i += 4) {
    const end = Math.min(i + 4, head);
    let lo = -1;
    let hi = -1;
    let sawNull = -1;
    for (let j = i; j < end; j++) {
      const v = s.value[j];
      if (v === null || v === undefined) {
        if (sawNull < 0) sawNull = j;
        continue;
      }
      if (lo < 0 || v < s.value[lo]!) lo = j;
      if (hi < 0 || v > s.value[hi]!) hi = j;
    }
    const picks = [...new Set([lo, hi, sawNull].filter((j) => j >= 0))].sort((a, b) => a - b);
    for (const j of picks) {
      step.push(s.step[j]!);
      value.push(s.value[j] ?? null);
    }
  }
  for (let i = head; i < s.step.length; i++) {
    step.push(s.step[i]!);
    value.push(s.value[i] ?? null);
  }
  return { step, value };
}

function insertSorted(steps: number[], step: number): number[] {
  const n = steps.length;
  if (n === 0 || steps[n - 1]! < step) return [...steps, step];
  if (steps.includes(step)) return steps;
  return [...steps, step].sort((a, b) => a - b);
}

function dedupeSorted(steps: number[]): number[] {
  return steps.filter((s, i) => i === 0 || s !== steps[i - 1]);
}

function withoutPending(state: UiState, id: string): UiState {
  if (!(id in state.pending)) return state;
  const { [id]: _, ...pending } = state.pending;
  return { ...state, pending };
}

function pushError(state: UiState, e: Omit<UiError, "key">): UiState {
  const error: UiError = { ...e, key: state.nextErrorKey };
  return { ...state, errors: [...state.errors, error].slice(-MAX_ERRORS), nextErrorKey: state.nextErrorKey + 1 };
}
