import type {
  Annotation,
  BackendInfo,
  ClientMessageType,
  CheckpointEntry,
  ExperimentInfo,
  InterventionRecord,
  Role,
  RunState,
  ShareLink,
  ServerMessage,
  Watcher,
  SnapshotFrame,
} from "@orrery/protocol";

/**
 * UI state: what the dashboard shows, translated from the wire messages by the reducer.
 * Wire types (`ServerMessage`, `RunSummary`, `SnapshotFrame`) stop at the reducer's door; components see these.
 */

export type ConnectionStatus =
  /** No daemon configured yet. */
  | "idle"
  /** Opening the socket. */
  | "connecting"
  /** Socket open, `hello` sent, waiting for `welcome`. */
  | "handshaking"
  | "connected"
  /** Lost (or never got) the socket; a retry is scheduled at `retryAt`. */
  | "reconnecting";

export interface ConnectionView {
  status: ConnectionStatus;
  url: string;
  /** Consecutive failed attempts since the last welcome. */
  attempt: number;
  /** Epoch ms of the next reconnect attempt, when reconnecting. */
  retryAt: number | null;
  /** Why the last socket closed, in words. */
  detail: string | null;
  serverVersion: string | null;
  /** Whether any socket to this daemon ever reached `welcome` (distinguishes "refused" from "dropped"). */
  everConnected: boolean;
}

export interface RunView {
  id: string;
  experiment: string;
  config: Record<string, number | string | boolean>;
  state: RunState;
  /** Why the run is paused/failed, e.g. "loss became NaN at step 123". */
  reason: string | null;
  step: number;
  totalSteps: number;
  backend: string;
  createdAt: number;
  updatedAt: number;
  /** Chart reference lines this run's config fixes, by metric. */
  references: Record<string, { value: number; label: string }>;
  /** The checkpoint a forked run started from. */
  parent: { runId: string; name?: string | undefined; step: number } | null;
  /** Set for a run imported from a report: read-only. */
  imported?: { runId: string; exportedAt: number; importedAt: number } | null;
}

/** One metric's curve: parallel arrays, `null` where the value was not finite. */
export interface SeriesView {
  step: number[];
  value: (number | null)[];
}

export interface TensorData {
  shape: number[];
  data: Float32Array;
}

export interface SnapshotView {
  step: number;
  seq: number;
  tensors: Record<string, TensorData>;
}

/** Everything streamed for one run. */
export interface RunData {
  series: Record<string, SeriesView>;
  /** Steps that have a stored snapshot, ascending (what the scrubber slides over). */
  snapshotSteps: number[];
  latest: SnapshotView | null;
  /** Highest step seen in any streamed event. */
  liveStep: number;
  /** Per-kind high-water seqs: an event at or below them was already applied (dedupe on replay). */
  seq: { metrics: number; state: number; snapshot: number };
  historyLoaded: boolean;
  /** The run's intervention log, by seq (markers on the charts, the log panel). */
  interventions: InterventionRecord[];
  /** Comments pinned to steps, by seq (markers on the charts, with their text). */
  annotations: Annotation[];
  /** Who is watching this run now (as the daemon last announced). */
  watchers: Watcher[];
}

/** A live run's parameter groups and optimizer settings, as the daemon last answered `parameters`. */
export interface ParametersView {
  runId: string;
  groups: { name: string; shape: number[]; frozen: boolean }[];
  lr: number;
  weightDecay: number;
}

/** Scrubbing pins the view to a stored snapshot; `null` scrub means "live" (follow the latest). */
export interface ScrubView {
  runId: string;
  step: number;
  /** The `snapshot` request whose answer we are waiting for (older answers are ignored). */
  requestId: string | null;
  snapshot: SnapshotView | null;
}

export interface UiError {
  key: number;
  code: string;
  message: string;
  requestId: string | null;
  at: number;
}

export type RequestPurpose = "command" | "history" | "latest" | "scrub" | "subscription" | "refresh" | "finals" | "spectrum" | "inspect" | "intervene" | "parameters" | "checkpoints" | "links";

/** The daemon's latest `spectrum` answer: singular values of one snapshot tensor at each of `steps`. */
export interface SpectrumView {
  runId: string;
  tensor: string;
  steps: number[];
  values: number[][];
}

/** The daemon's latest `inspection` answer: the model's matrices for one typed input, at `step`. */
export interface InspectionView {
  runId: string;
  step: number;
  input: string;
  tensors: { name: string; data: TensorData }[];
}

export interface PendingRequest {
  kind: ClientMessageType;
  runId: string | null;
  purpose: RequestPurpose;
}

export interface UiState {
  connection: ConnectionView;
  backend: BackendInfo | null;
  experiments: ExperimentInfo[];
  runs: Record<string, RunView>;
  selectedRunId: string | null;
  data: Record<string, RunData>;
  scrub: ScrubView | null;
  /** Final metric values by run, then metric (null: not finite), as the daemon answered `finalMetrics`. */
  finals: Record<string, Record<string, number | null>>;
  spectrum: SpectrumView | null;
  inspection: InspectionView | null;
  parameters: ParametersView | null;
  /** Named checkpoints, as the daemon last listed them (plus any saved since). */
  checkpoints: CheckpointEntry[];
  /** What this connection may do (the daemon enforces it; the UI only reflects it). */
  role: Role;
  /** This connection as others see it (its name or guest label). */
  you: Watcher | null;
  /** Share links (owner), and the token of the one just created (shown once: the daemon keeps only a hash). */
  links: ShareLink[];
  newLink: { linkId: string; token: string } | null;
  errors: UiError[];
  pending: Record<string, PendingRequest>;
  nextErrorKey: number;
}

export type Action =
  | { type: "reset"; url: string; selectedRunId?: string | null }
  | {
      type: "connection";
      status: ConnectionStatus;
      attempt?: number;
      retryAt?: number | null;
      detail?: string | null;
    }
  | { type: "server"; message: ServerMessage; at?: number }
  | { type: "frame"; frame: SnapshotFrame }
  /** A message from the daemon that did not parse, or anything else the user should see. */
  | { type: "localError"; code: string; message: string; at?: number }
  | { type: "request"; id: string; kind: ClientMessageType; runId: string | null; purpose: RequestPurpose }
  | { type: "select"; runId: string | null }
  | { type: "scrub"; runId: string; step: number; requestId: string | null }
  | { type: "live" }
  | { type: "dismissError"; key: number }
  | { type: "batch"; actions: Action[] };
