import {
  decodeSnapshotFrame,
  parseServerMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type Intervention,
  type ServerMessage,
} from "@orrery/protocol";
import type { Action, RequestPurpose } from "../state/types.ts";
import { EARLY_HISTORY_ID, takeEarlySocket, type EarlySocket } from "./early-socket.ts";

/** The slice of the browser WebSocket this client uses (so tests can hand in a fake). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface DaemonClientOptions {
  /** ws://host:port of the daemon. */
  url: string;
  token: string;
  /** The person's display name, shown to others watching the same run (default: a guest label from the daemon). */
  name?: string;
  dispatch: (action: Action) => void;
  socket?: SocketFactory;
  /** Reconnect backoff: base·2^attempt, capped, with ±20 % jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** History points asked for when a run is opened. */
  historyPoints?: number;
  /**
   * Tells "daemon down" from "token refused" when a socket fails before opening (browsers hide the 401):
   * resolves true if the daemon's HTTP side answers. null: don't probe.
   */
  probeHttp?: ((httpUrl: string) => Promise<boolean>) | null;
  /** Injected for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  now?: () => number;
  /** How actions are coalesced before they reach the reducer (default: one batch per animation frame). */
  schedule?: (flush: () => void) => void;
  /** The socket the page's inline script opened, if it matches (default: `takeEarlySocket`; null: never); asked once. */
  early?: ((url: string, token: string, name: string) => EarlySocket | null) | null;
}

type Outgoing = ClientMessage extends infer M ? (M extends { id: string } ? Omit<M, "id"> : never) : never;

const OPEN = 1;

/** History points asked for when a run is opened (by default). */
export const DEFAULT_HISTORY_POINTS = 2000;

/** The daemon URL with the token as a query parameter, as the daemon's upgrade check expects. */
export function socketUrl(url: string, token: string): string {
  const base = url.trim().replace(/\/+$/, "");
  return `${base}/?token=${encodeURIComponent(token)}`;
}

/**
 * One connection to one daemon: handshake, request ids, reconnect with exponential backoff, and
 * resume-from-seq for the run on screen. Everything it hears is parsed with @orrery/protocol and
 * dispatched as reducer actions (batched per animation frame); it holds no UI state itself.
 */
export class DaemonClient {
  private readonly o: Required<Omit<DaemonClientOptions, "socket" | "name" | "early">> & { socket: SocketFactory; name?: string };
  private early: DaemonClientOptions["early"];
  private ws: SocketLike | null = null;
  private ready = false;
  private closed = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  private counter = 0;
  private viewed: string | null = null;
  /** The run subscribed on the current socket. */
  private subscribed: string | null = null;
  /** Last streamed seq seen per run (any event kind): where a resumed subscription continues. */
  private readonly lastSeq = new Map<string, number>();
  /** Outstanding `history` requests → their run. */
  private readonly historyFor = new Map<string, string>();
  private queue: Action[] = [];
  private flushScheduled = false;

  constructor(options: DaemonClientOptions) {
    this.o = {
      backoffBaseMs: 500,
      backoffMaxMs: 15_000,
      historyPoints: DEFAULT_HISTORY_POINTS,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: Math.random,
      now: Date.now,
      schedule: defaultSchedule,
      probeHttp: defaultProbe,
      socket: (u) => {
        const ws = new WebSocket(u);
        return ws as unknown as SocketLike;
      },
      ...options,
    };
    this.early = options.early === undefined ? takeEarlySocket : options.early;
  }

  get connected(): boolean {
    return this.ready && !this.closed;
  }

  start(): void {
    this.connect();
  }

  /** Closes for good: no more reconnects, no more dispatches. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) this.o.clearTimer(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close(1000, "client closed");
      } catch {
        /* already closed */
      }
    }
    this.queue = [];
  }

  /** Retry now instead of waiting out the backoff. */
  reconnectNow(): void {
    if (this.closed || this.ws) return;
    if (this.retryTimer !== null) this.o.clearTimer(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Switch the streamed run: unsubscribe the old one, fetch the new one's history, then subscribe. */
  view(runId: string | null): void {
    if (runId === this.viewed) return;
    const previous = this.subscribed;
    this.viewed = runId;
    if (!this.ready) return;
    if (previous && previous !== runId) {
      this.send({ type: "unsubscribe", runId: previous }, "subscription", previous);
      this.subscribed = null;
    }
    if (runId) this.openRun(runId, true);
  }

  /** Sends a command (start/pause/…); returns its request id, or null when not connected. */
  command(message: Outgoing): string | null {
    if (!this.ready) {
      this.emit({ type: "localError", code: "offline", message: `not connected: cannot send "${message.type}"` });
      return null;
    }
    const runId = "runId" in message ? (message.runId ?? null) : null;
    return this.send(message, "command", runId);
  }

  /** Asks for the stored snapshot at or before `step` (the scrubber). */
  requestSnapshot(runId: string, step: number, purpose: RequestPurpose = "scrub"): string | null {
    if (!this.ready) return null;
    return this.send({ type: "snapshot", runId, step: Math.max(0, Math.floor(step)) }, purpose, runId);
  }

  /** Asks for the final metric values of these runs (the sweep view). */
  requestFinals(runIds: string[]): string | null {
    if (!this.ready || runIds.length === 0) return null;
    return this.send({ type: "finalMetrics", runIds }, "finals", null);
  }

  /** Asks for the singular values of snapshot tensor `tensor` over the run's stored snapshots. */
  requestSpectrum(runId: string, tensor: string, maxPoints: number): string | null {
    if (!this.ready) return null;
    return this.send({ type: "spectrum", runId, tensor, maxPoints }, "spectrum", runId);
  }

  /** Applies an intervention to a live run (answered by `intervention`, or an error that changed nothing). */
  requestIntervention(runId: string, intervention: Intervention): string | null {
    if (!this.ready) return null;
    return this.send({ type: "intervene", runId, intervention }, "intervene", runId);
  }

  /** Another run's downsampled history, without following it (e.g. a fork's parent, drawn behind the fork). */
  requestHistory(runId: string): string | null {
    if (!this.ready) return null;
    return this.send({ type: "history", runId, maxPoints: this.o.historyPoints }, "history", runId);
  }

  /** Named checkpoints of one run and the uploads, or all (answered by `checkpoints`). */
  requestCheckpoints(runId?: string): string | null {
    if (!this.ready) return null;
    return this.send({ type: "listCheckpoints", ...(runId && { runId }) }, "checkpoints", runId ?? null);
  }

  /** A live run's parameter groups and optimizer settings (answered by `parameters`). */
  requestParameters(runId: string): string | null {
    if (!this.ready) return null;
    return this.send({ type: "parameters", runId }, "parameters", runId);
  }

  /** Probes the live run's model with a typed input (answered by `inspection`). */
  requestInspect(runId: string, input: string): string | null {
    if (!this.ready) return null;
    return this.send({ type: "inspect", runId, input }, "inspect", runId);
  }

  lastSeqOf(runId: string): number | undefined {
    return this.lastSeq.get(runId);
  }

  // ───────────── internals ─────────────

  private nextId(): string {
    this.counter += 1;
    return `d${this.counter.toString(36)}`;
  }

  private send(message: Outgoing, purpose: RequestPurpose, runId: string | null): string | null {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return null;
    const id = this.nextId();
    // Record the request before it can be answered.
    this.emit({ type: "request", id, kind: message.type, runId, purpose });
    ws.send(JSON.stringify({ ...message, id }));
    return id;
  }

  private connect(): void {
    if (this.closed) return;
    this.ready = false;
    this.subscribed = null;
    this.historyFor.clear();
    this.emit({ type: "connection", status: "connecting", attempt: this.attempt, retryAt: null });
    const early = this.takeEarly();
    if (early) {
      this.adopt(early);
      return;
    }
    let ws: SocketLike;
    try {
      ws = this.o.socket(socketUrl(this.o.url, this.o.token));
    } catch (e) {
      // A malformed URL throws synchronously; there is nothing to retry until the user fixes it.
      this.emit({ type: "connection", status: "reconnecting", retryAt: null, detail: `bad daemon URL: ${(e as Error).message}` });
      this.emit({ type: "localError", code: "bad_url", message: `cannot connect to "${this.o.url}": ${(e as Error).message}` });
      return;
    }
    ws.binaryType = "arraybuffer";
    this.attach(ws, false);
  }

  /** The page's early socket, on the first connection only. */
  private takeEarly(): EarlySocket | null {
    const take = this.early;
    this.early = undefined;
    return take ? take(this.o.url, this.o.token, this.o.name ?? "") : null;
  }

  /** Carries on from where the early socket is: its hello and history request are this client's, its messages replayed. */
  private adopt(early: EarlySocket): void {
    if (early.historyFor) {
      this.historyFor.set(EARLY_HISTORY_ID, early.historyFor);
      this.emit({ type: "request", id: EARLY_HISTORY_ID, kind: "history", runId: early.historyFor, purpose: "history" });
    }
    this.attach(early.ws, early.opened);
    if (early.opened) this.emit({ type: "connection", status: "handshaking" });
    const heard = early.messages.splice(0);
    for (const data of heard) this.receive(data);
  }

  private attach(ws: SocketLike, alreadyOpen: boolean): void {
    this.ws = ws;
    let opened = alreadyOpen;
    ws.onopen = () => {
      opened = true;
      this.emit({ type: "connection", status: "handshaking" });
      const name = this.o.name?.trim();
      ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, client: "dashboard", ...(name && { name }) }));
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = () => {
      /* the close event that follows says what happened */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      this.subscribed = null;
      const detail = opened
        ? `connection closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ""})`
        : "could not open the socket: daemon unreachable or token refused";
      this.scheduleReconnect(detail);
      if (!opened) this.explainRefusal();
    };
  }

  private scheduleReconnect(detail: string): void {
    if (this.closed) return;
    const exp = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** this.attempt);
    const delay = Math.round(exp * (0.8 + 0.4 * this.o.random()));
    this.attempt += 1;
    this.emit({ type: "connection", status: "reconnecting", attempt: this.attempt, retryAt: this.o.now() + delay, detail });
    this.retryTimer = this.o.setTimer(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** After a socket that never opened: ask the daemon's HTTP side whether it is up, and say which it was. */
  private explainRefusal(): void {
    const probe = this.o.probeHttp;
    if (!probe) return;
    const attempt = this.attempt;
    const http = httpUrlOf(this.o.url);
    if (!http) return;
    void probe(`${http}/health`).then(
      (up) => {
        if (this.closed || this.ws || this.attempt !== attempt) return;
        this.emit({
          type: "connection",
          status: "reconnecting",
          detail: up
            ? "the daemon is up but refused the connection: check the token"
            : `no daemon answers at ${this.o.url}`,
        });
      },
      () => {},
    );
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    if (typeof data === "string") {
      const parsed = parseServerMessage(data);
      if (!parsed.ok) {
        this.emit({ type: "localError", code: parsed.code, message: `unreadable message from the daemon: ${parsed.message}` });
        return;
      }
      this.handle(parsed.message);
      return;
    }
    const bytes = toBytes(data);
    if (!bytes) {
      this.emit({ type: "localError", code: "bad_message", message: "unexpected binary message type from the daemon" });
      return;
    }
    try {
      const frame = decodeSnapshotFrame(bytes);
      if (frame.requestId === undefined) this.noteSeq(frame.runId, frame.seq);
      this.emit({ type: "frame", frame });
    } catch (e) {
      this.emit({ type: "localError", code: "bad_frame", message: `unreadable snapshot frame: ${(e as Error).message}` });
    }
  }

  private handle(m: ServerMessage): void {
    switch (m.type) {
      case "welcome":
        this.ready = true;
        this.attempt = 0;
        this.emit({ type: "server", message: m, at: this.o.now() });
        // Resume the run on screen, unless this daemon does not know it (then the reducer deselects it).
        if (this.viewed && m.runs.some((r) => r.runId === this.viewed)) this.openRun(this.viewed, false);
        return;
      case "state":
        this.noteSeq(m.runId, m.seq);
        break;
      case "metrics":
        for (const p of m.points) this.noteSeq(m.runId, p.seq);
        break;
      case "history": {
        const runId = this.historyFor.get(m.id);
        this.historyFor.delete(m.id);
        this.emit({ type: "server", message: m, at: this.o.now() });
        if (runId && runId === this.viewed && this.ready) {
          this.noteSeq(runId, m.lastSeq);
          this.subscribe(runId);
          // A paused or finished run streams nothing: fetch its newest stored snapshot to draw.
          const last = m.snapshotSteps.length ? Math.max(...m.snapshotSteps) : null;
          if (last !== null) this.requestSnapshot(runId, last, "latest");
        }
        return;
      }
    }
    this.emit({ type: "server", message: m, at: this.o.now() });
  }

  /**
   * Start streaming `runId`. A run seen before on this client resumes from its last seq (no history);
   * otherwise (or when `fresh`) its downsampled history comes first and the subscription continues from it.
   */
  private openRun(runId: string, fresh: boolean): void {
    // Already asked (the early socket's request): its answer subscribes.
    for (const r of this.historyFor.values()) if (r === runId) return;
    if (!fresh && this.lastSeq.has(runId)) {
      this.subscribe(runId);
      return;
    }
    const id = this.send({ type: "history", runId, maxPoints: this.o.historyPoints }, "history", runId);
    if (id) this.historyFor.set(id, runId);
  }

  private subscribe(runId: string): void {
    const afterSeq = this.lastSeq.get(runId);
    const msg: Outgoing =
      afterSeq === undefined ? { type: "subscribe", runId } : { type: "subscribe", runId, afterSeq };
    if (this.send(msg, "subscription", runId)) this.subscribed = runId;
  }

  private noteSeq(runId: string, seq: number): void {
    const prev = this.lastSeq.get(runId);
    if (prev === undefined || seq > prev) this.lastSeq.set(runId, seq);
  }

  private emit(action: Action): void {
    if (this.closed) return;
    this.queue.push(action);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.o.schedule(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      const actions = this.queue;
      this.queue = [];
      if (actions.length === 1) this.o.dispatch(actions[0]!);
      else if (actions.length > 1) this.o.dispatch({ type: "batch", actions });
    });
  }
}

/** ws://host:port → http://host:port (wss → https); null if it is not a ws URL. */
export function httpUrlOf(wsUrl: string): string | null {
  const m = /^ws(s?):\/\/(.+?)\/*$/i.exec(wsUrl.trim());
  return m ? `http${m[1]!.toLowerCase()}://${m[2]}` : null;
}

/** A no-cors fetch resolves when anything answers over HTTP and rejects when nothing does. */
const defaultProbe =
  typeof fetch === "function"
    ? (url: string) =>
        fetch(url, { mode: "no-cors", cache: "no-store", signal: AbortSignal.timeout(3000) }).then(
          () => true,
          () => false,
        )
    : null;

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** One flush per animation frame, with a timer fallback so background tabs still drain. */
function defaultSchedule(flush: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    flush();
  };
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
  setTimeout(run, 100);
}
