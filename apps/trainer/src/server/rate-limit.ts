import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData } from "ws";
import { presentedToken } from "./auth.ts";
import type { Connection } from "./connection.ts";

/** What one connection may send. A message must fit both buckets; what does not is dropped unread. */
export interface RateLimits {
  /** Messages per second, sustained. */
  messagesPerSecond: number;
  /** Messages a connection may send at once after being quiet. */
  burstMessages: number;
  /** Bytes per second, sustained (frames as received, before any parsing). */
  bytesPerSecond: number;
  /** Bytes at once; at least the largest frame the server reads, or such a frame could never pass. */
  burstBytes: number;
  /**
   * Dropped messages a connection may owe before it is closed (1008); the debt drains at `messagesPerSecond`.
   * The default, 20 × the rate, closes a client sending 10× the rate within about 2–3 s, a flat-out flood at once.
   */
  closeAfterDropped: number;
  /**
   * After a connection is closed for flooding, new connections with the same token from the same address are
   * refused (HTTP 429) for this long, so a client that reconnects at once cannot keep the flood going.
   */
  coolDownMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  messagesPerSecond: 100,
  burstMessages: 200,
  bytesPerSecond: 1 << 20,
  burstBytes: 4 << 20,
  closeAfterDropped: 2000,
  coolDownMs: 10_000,
};

/**
 * `pass`: handle the message; `refuse`: drop it and tell the client (once per run of dropped messages, so a
 * flood is not reflected back); `drop`: drop it silently; `close`: drop it and close the connection.
 */
export type Verdict = "pass" | "refuse" | "drop" | "close";

/** Token buckets for one connection's messages and bytes, on an injected clock (ms). */
export class MessageLimiter {
  private messages: number;
  private bytes: number;
  private debt = 0;
  private last: number;
  /** Whether the last message was dropped (a refusal was already sent for this run of drops). */
  private dropping = false;
  private closed = false;
  dropped = 0;

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.messages = limits.burstMessages;
    this.bytes = limits.burstBytes;
    this.last = now();
  }

  admit(byteLength: number): Verdict {
    if (this.closed) return "drop";
    const t = this.now();
    const dt = Math.max(0, t - this.last) / 1000;
    this.last = t;
    const { messagesPerSecond, burstMessages, bytesPerSecond, burstBytes } = this.limits;
    this.messages = Math.min(burstMessages, this.messages + dt * messagesPerSecond);
    this.bytes = Math.min(burstBytes, this.bytes + dt * bytesPerSecond);
    this.debt = Math.max(0, this.debt - dt * messagesPerSecond);
    if (this.messages >= 1 && this.bytes >= byteLength) {
      this.messages -= 1;
      this.bytes -= byteLength;
      this.dropping = false;
      return "pass";
    }
    this.dropped += 1;
    this.debt += 1;
    if (this.debt > this.limits.closeAfterDropped) {
      this.closed = true;
      return "close";
    }
    if (this.dropping) return "drop";
    this.dropping = true;
    return "refuse";
  }
}

/** Keys (address and token, kept in memory only, never logged) whose new connections wait, until when (ms). */
export class CoolDown {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(key: string): void {
    const t = this.now();
    if (this.until.size > 1000) for (const [k, end] of this.until) if (end <= t) this.until.delete(k);
    this.until.set(key, t + this.ms);
  }

  /** Milliseconds this key still waits (0: it may connect). */
  remaining(key: string): number {
    const end = this.until.get(key);
    if (end === undefined) return 0;
    const left = end - this.now();
    if (left > 0) return left;
    this.until.delete(key);
    return 0;
  }
}

/** A closed flooder that does not answer the close handshake is cut off after this long. */
const TERMINATE_AFTER_MS = 1000;

/** The server's side of the limits: per-connection limiters, and the cool-down of clients closed for flooding. */
export class FloodGuard {
  private readonly coolDown: CoolDown;

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.coolDown = new CoolDown(limits.coolDownMs, now);
  }

  /** At the upgrade, before the token is checked: 429 while this client cools down. Returns true when refused. */
  refuseUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const wait = this.coolDown.remaining(clientKey(req));
    if (wait === 0) return false;
    const retry = Math.ceil(wait / 1000);
    socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retry}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return true;
  }

  /** The admission check for one connection's frames (see admitFrame); closing it for flooding starts its cool-down. */
  admitter(conn: Connection, req: IncomingMessage): (data: RawData) => boolean {
    const limiter = new MessageLimiter(this.limits, this.now);
    const key = clientKey(req);
    return (data) => admitFrame(limiter, conn, data, () => this.coolDown.start(key));
  }
}

/** Who a client is for the cool-down: its address and the token it presented (never logged). */
const clientKey = (req: IncomingMessage) => `${req.socket.remoteAddress ?? "?"}\u0000${presentedToken(req) ?? ""}`;

/**
 * Applies a connection's limiter to one received frame, before it is decoded or parsed: replies `rate_limited`
 * at the start of each run of drops, and closes a connection that keeps flooding. Returns whether to handle it.
 */
export function admitFrame(limiter: MessageLimiter, conn: Connection, data: RawData, onClose: () => void = () => {}): boolean {
  const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  const verdict = limiter.admit(bytes);
  if (verdict === "pass") return true;
  if (verdict === "refuse") {
    conn.send({
      type: "error",
      id: null,
      code: "rate_limited",
      message: "too many messages or bytes per second: this one and those that follow are dropped until the rate falls",
    });
  } else if (verdict === "close") {
    const who = `${conn.label} (${conn.access.role}${conn.access.linkId ? `, link ${conn.access.linkId}` : ""})`;
    console.warn(`closed ${who}: rate limit exceeded, ${limiter.dropped} messages dropped (its token cools down at that address)`);
    onClose();
    conn.ws.close(1008, "rate limit exceeded");
    setTimeout(() => conn.ws.terminate(), TERMINATE_AFTER_MS).unref();
  }
  return false;
}
