import type { RawData } from "ws";
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
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  messagesPerSecond: 100,
  burstMessages: 200,
  bytesPerSecond: 1 << 20,
  burstBytes: 4 << 20,
  closeAfterDropped: 2000,
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

/** A closed flooder that does not answer the close handshake is cut off after this long. */
const TERMINATE_AFTER_MS = 1000;

/**
 * Applies a connection's limiter to one received frame, before it is decoded or parsed: replies `rate_limited`
 * at the start of each run of drops, and closes a connection that keeps flooding. Returns whether to handle it.
 */
export function admitFrame(limiter: MessageLimiter, conn: Connection, data: RawData): boolean {
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
    console.warn(`closed ${who}: rate limit exceeded, ${limiter.dropped} messages dropped`);
    conn.ws.close(1008, "rate limit exceeded");
    setTimeout(() => conn.ws.terminate(), TERMINATE_AFTER_MS).unref();
  }
  return false;
}
