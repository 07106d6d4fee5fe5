import { WebSocket } from "ws";
import {
  decodeSnapshotFrame, parseServerMessage, PROTOCOL_VERSION,
  type ServerMessage, type SnapshotFrame,
} from "@orrery/protocol";

export type Received = { kind: "json"; message: ServerMessage; at: number } | { kind: "snapshot"; frame: SnapshotFrame; at: number };

/** A minimal Node client of the daemon for tests and benchmarks: every received message is parsed and kept. */
export class DaemonClient {
  readonly received: Received[] = [];
  private nextId = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const at = performance.now();
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (isBinary) this.received.push({ kind: "snapshot", frame: decodeSnapshotFrame(new Uint8Array(buf)), at });
      else {
        const parsed = parseServerMessage(buf.toString("utf8"));
        if (!parsed.ok) throw new Error(`daemon sent an invalid message: ${parsed.message}`);
        this.received.push({ kind: "json", message: parsed.message, at });
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string, token: string): Promise<DaemonClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
      const client = new DaemonClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  /** Opens a connection and completes the handshake. */
  static async connect(url: string, token: string, name = "test"): Promise<{ client: DaemonClient; welcome: Extract<ServerMessage, { type: "welcome" }> }> {
    const client = await DaemonClient.open(url, token);
    client.sendRaw({ type: "hello", protocol: PROTOCOL_VERSION, client: "test", name });
    const welcome = await client.waitForJson((m): m is Extract<ServerMessage, { type: "welcome" }> => m.type === "welcome");
    return { client, welcome };
  }

  sendRaw(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a command with a fresh request id and resolves with its ack (rejects on an error reply). */
  async request(message: Record<string, unknown>): Promise<ServerMessage> {
    const id = `r${++this.nextId}`;
    const from = this.received.length;
    this.sendRaw({ ...message, id });
    const reply = await this.waitForJson((m) => "id" in m && m.id === id, 10_000, from);
    if (reply.type === "error") throw new Error(`${reply.code}: ${reply.message}`);
    return reply;
  }

  jsonMessages(from = 0): ServerMessage[] {
    return this.received.slice(from).flatMap((r) => (r.kind === "json" ? [r.message] : []));
  }

  waitForJson<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number, from?: number): Promise<T>;
  waitForJson(pred: (m: ServerMessage) => boolean, timeoutMs?: number, from?: number): Promise<ServerMessage>;
  waitForJson(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<ServerMessage> {
    return this.waitFor(() => this.jsonMessages(from).find(pred), timeoutMs);
  }

  /** Resolves with the first non-undefined value of `probe`, re-checked on every received message. */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Every streamed seq of a run received so far (metric points, states, snapshots), in arrival order. */
  seqs(runId: string): number[] {
    return this.received.flatMap((r) => {
      if (r.kind === "snapshot") return r.frame.runId === runId && r.frame.requestId === undefined ? [r.frame.seq] : [];
      const m = r.message;
      if (m.type === "metrics" && m.runId === runId) return m.points.map((p) => p.seq);
      if (m.type === "state" && m.runId === runId) return [m.seq];
      return [];
    });
  }

  metricSteps(runId: string): number[] {
    return this.jsonMessages().flatMap((m) => (m.type === "metrics" && m.runId === runId ? m.points.map((p) => p.step) : []));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
