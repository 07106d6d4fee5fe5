import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import type { Annotation, InterventionRecord, MetricPoint, ServerMessage, ServerMessageOf, Watcher } from "@orrery/protocol";
import type { StoredEvent } from "@orrery/store";
import type { Subscriber } from "../runs/run-manager.ts";
import type { Access } from "./access.ts";
import { metricsFrames } from "./metrics-frames.ts";

export interface SendLimits {
  /** Above this many bytes waiting in the socket, droppable messages wait (and coalesce). */
  maxBufferedBytes: number;
  /** Most metric points kept per run while a viewer is slow; older ones are dropped (the store has them). */
  maxPendingPoints: number;
  /** Metric points are batched for this long (snapshots do not wait for it). */
  flushMs: number;
}

export const DEFAULT_LIMITS: SendLimits = { maxBufferedBytes: 1 << 20, maxPendingPoints: 10_000, flushMs: 20 };

/** Messages placed in a run's stream (its seqs, or history's lastSeq): that run's pending events go before them. */
const IN_STREAM = new Set<ServerMessage["type"]>(["state", "metrics", "intervention", "annotation", "history"]);

/**
 * One viewer's outgoing side. Reliable messages (acks, errors, states) go out at once, in order. Droppable ones
 * coalesce under back-pressure: metric points are batched (flushMs) and beyond the bound drop oldest-first;
 * a snapshot goes out at once (after its run's pending points, so seqs stay in order) while the socket has room,
 * else it waits as its run's latest: a newer snapshot replaces an unsent older one (latest snapshot wins), sent
 * when the socket drains. So a viewer that keeps up gets every snapshot, a slow one the newest rather than a
 * growing backlog (latest-snapshot-wins is the intended behaviour for a slow viewer: the store keeps every
 * snapshot for scrubbing), and training never waits here: sends are non-blocking writes into the socket.
 */
export class Connection implements Subscriber {
  greeted = false;
  /** Tells apart two watchers of the same name (not a secret). */
  readonly id = randomBytes(3).toString("hex");
  /** Who this is: the name its hello gave, else a guest label (shown in presence and the intervention log). */
  label = `guest-${this.id}`;
  droppedPoints = 0;
  private readonly pendingPoints = new Map<string, MetricPoint[]>();
  private readonly pendingSnapshots = new Map<string, { seq: number; bytes: Uint8Array }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly ws: WebSocket,
    /** What the token it connected with grants (checked on every message). */
    readonly access: Access,
    private readonly limits: SendLimits = DEFAULT_LIMITS,
  ) {}

  send(message: ServerMessage): void {
    this.flush(true, IN_STREAM.has(message.type) && "runId" in message ? message.runId : null);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  sendBinary(bytes: Uint8Array): void {
    this.flush(true);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary: true });
  }

  /** Sends stored events reliably (never dropped), consecutive metric points batched. */
  replay(runId: string, events: StoredEvent[]): void {
    let points: MetricPoint[] = [];
    const sendPoints = () => {
      if (points.length) this.send({ type: "metrics", runId, points });
      points = [];
    };
    for (const e of events) {
      if (e.kind === "metrics") {
        points.push(e.point);
        continue;
      }
      sendPoints();
      if (e.kind === "snapshot") this.sendBinary(e.bytes);
      else if (e.kind === "intervention") this.send({ type: "intervention", runId, id: null, record: e.record });
      else if (e.kind === "annotation") this.send({ type: "annotation", runId, id: null, annotation: e.annotation });
      else this.send({ type: "state", runId, seq: e.seq, step: e.step, state: e.state, reason: e.reason });
    }
    sendPoints();
  }

  metrics(runId: string, point: MetricPoint): void {
    let points = this.pendingPoints.get(runId);
    if (!points) this.pendingPoints.set(runId, (points = []));
    points.push(point);
    if (points.length > this.limits.maxPendingPoints) {
      points.shift();
      this.droppedPoints += 1;
    }
    this.schedule();
  }

  snapshot(runId: string, seq: number, bytes: Uint8Array): void {
    this.pendingSnapshots.set(runId, { seq, bytes }); // replaces an unsent older one: latest wins
    this.flush(false); // now, not after flushMs: a 20 ms wait per frame capped a 60/s stream at ~30/s
  }

  state(message: ServerMessageOf<"state">): void {
    this.send(message);
  }

  intervention(runId: string, record: InterventionRecord): void {
    this.send({ type: "intervention", runId, id: null, record });
  }

  annotation(runId: string, annotation: Annotation): void {
    this.send({ type: "annotation", runId, id: null, annotation });
  }

  get watcher(): Watcher {
    return { id: this.id, name: this.label, role: this.access.role };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pendingPoints.clear();
    this.pendingSnapshots.clear();
  }

  /**
   * A snapshot frame left for the OS: if a newer one waited for room meanwhile, it goes now rather than at the
   * next poll (flushMs), so a viewer that is only a little slow still gets close to every snapshot.
   */
  private readonly written = (): void => {
    if (this.pendingSnapshots.size > 0) this.flush(false);
  };

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush(false);
    }, this.limits.flushMs);
  }

  /**
   * Sends what is pending, in seq order per run. With room in the socket, everything; backed up, nothing unless
   * `force` (a reliable message is next, and what is pending goes ahead of it). Even then a run's pending snapshot,
   * and its points after it, are held (still latest-wins) unless the message is in that run's stream (`run`;
   * undefined: any run's): else each reply or broadcast (run progress reaches every viewer each second, the
   * dashboard polls spectra) would push one more frame into a socket that is not draining, a backlog without bound.
   */
  private flush(force: boolean, run?: string | null): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const room = this.ws.bufferedAmount <= this.limits.maxBufferedBytes;
    if (!force && !room) return this.schedule();
    for (const runId of new Set([...this.pendingPoints.keys(), ...this.pendingSnapshots.keys()])) {
      const points = this.pendingPoints.get(runId) ?? [];
      const snap = this.pendingSnapshots.get(runId);
      const cut = snap ? points.findIndex((p) => p.seq > snap.seq) : -1;
      const before = cut === -1 ? points : points.slice(0, cut);
      const after = cut === -1 ? [] : points.slice(cut);
      if (before.length) this.ws.send(metricsFrames.encode(runId, before), { binary: false });
      if (snap && !room && run !== undefined && run !== runId) {
        if (after.length) this.pendingPoints.set(runId, after);
        else this.pendingPoints.delete(runId);
        continue;
      }
      this.pendingPoints.delete(runId);
      this.pendingSnapshots.delete(runId);
      if (snap) this.ws.send(snap.bytes, { binary: true }, this.written);
      if (after.length) this.ws.send(metricsFrames.encode(runId, after), { binary: false });
    }
    if (this.pendingSnapshots.size > 0) this.schedule();
    else if (this.pendingPoints.size === 0 && this.timer) {
      // All sent: the next points wait flushMs from now, not from an earlier batch (fewer, fuller messages).
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
