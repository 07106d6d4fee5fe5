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
  /** Metric points are batched for this long. */
  flushMs: number;
}

export const DEFAULT_LIMITS: SendLimits = { maxBufferedBytes: 1 << 20, maxPendingPoints: 10_000, flushMs: 20 };

/**
 * One viewer's outgoing side. Reliable messages (acks, errors, states) go out at once, in order;
 * droppable ones (metric points, snapshots) are batched, and under back-pressure coalesce: points beyond
 * the bound drop oldest-first, and a newer snapshot replaces an unsent older one. Training never waits here.
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
    this.flush(true);
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
    this.pendingSnapshots.set(runId, { seq, bytes });
    this.schedule();
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

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush(false);
    }, this.limits.flushMs);
  }

  /** Sends what is pending in seq order per run; unless forced, waits while the socket is backed up. */
  private flush(force: boolean): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!force && this.ws.bufferedAmount > this.limits.maxBufferedBytes) return this.schedule();
    const runIds = new Set([...this.pendingPoints.keys(), ...this.pendingSnapshots.keys()]);
    for (const runId of runIds) {
      const points = this.pendingPoints.get(runId) ?? [];
      const snap = this.pendingSnapshots.get(runId);
      const cut = snap ? points.findIndex((p) => p.seq > snap.seq) : -1;
      const before = cut === -1 ? points : points.slice(0, cut);
      const after = cut === -1 ? [] : points.slice(cut);
      if (before.length) this.ws.send(metricsFrames.encode(runId, before), { binary: false });
      if (snap) this.ws.send(snap.bytes, { binary: true });
      if (after.length) this.ws.send(metricsFrames.encode(runId, after), { binary: false });
    }
    this.pendingPoints.clear();
    this.pendingSnapshots.clear();
  }
}
