import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, PROTOCOL_VERSION, type ServerMessage } from "@orrery/protocol";
import type { Access } from "./access.ts";
import { presentedToken } from "./auth.ts";
import { checkpointRoute } from "./checkpoint-http.ts";
import { reportRoute } from "./report-http.ts";
import { Connection, DEFAULT_LIMITS, type SendLimits } from "./connection.ts";
import { dispatch, type DispatchContext } from "./dispatch.ts";
import { corsGate, DEFAULT_ALLOWED_ORIGINS, originPolicy, refuseUpgradeByOrigin } from "./origin.ts";
import { DEFAULT_RATE_LIMITS, FloodGuard, type RateLimits } from "./rate-limit.ts";
import { announcePresence } from "./presence.ts";

export interface ServerOptions {
  host: string;
  port: number;
  token: string;
  limits?: SendLimits;
  /** Browser origins allowed to connect (default: loopback pages on any port); `*` allows any. */
  allowedOrigins?: readonly string[];
  /** What each connection may send per second (default DEFAULT_RATE_LIMITS). */
  rateLimits?: RateLimits;
}

export interface TrainerServer {
  port: number;
  url: string;
  connections(): number;
  /** Sends to every connection that has completed the handshake. */
  broadcast(message: ServerMessage): void;
  close(): Promise<void>;
}

/** Frames above the protocol limit get an error reply; above this hard cap ws closes the socket (1009). */
const HARD_MAX_PAYLOAD = 16 * MAX_CLIENT_MESSAGE_BYTES;
const KEEPALIVE_MS = 30_000;

/** The daemon's network shell: HTTP health, token check at upgrade, one Connection per socket. */
export async function startServer(ctx: DispatchContext, opts: ServerOptions): Promise<TrainerServer> {
  const origins = originPolicy(opts.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS);
  const flood = new FloodGuard(opts.rateLimits ?? DEFAULT_RATE_LIMITS);
  const http = createServer((req, res) => {
    if (corsGate(origins, req, res)) return;
    if (!checkpointRoute(ctx.manager, opts.token, req, res) && !reportRoute(ctx, req, res)) health(ctx, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD });
  const alive = new WeakSet<WebSocket>();
  const connections = new Set<Connection>();

  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy()); // a refused client may reset the connection: not the daemon's error
    if (refuseUpgradeByOrigin(origins, req, socket) || flood.refuseUpgrade(req, socket)) return;
    const access = ctx.access.authenticate(presentedToken(req));
    if (!access) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req, access));
  });

  ctx.closeLink = (linkId) => {
    for (const conn of connections) if (conn.access.linkId === linkId) conn.ws.close(4001, "share link revoked");
  };

  wss.on("connection", (ws: WebSocket, req: IncomingMessage, access: Access) => {
    const conn = new Connection(ws, access, opts.limits ?? DEFAULT_LIMITS);
    connections.add(conn);
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    const admit = flood.admitter(conn, req);
    ws.on("message", (data: RawData, isBinary: boolean) => admit(data) && onMessage(ctx, conn, data, isBinary));
    ws.on("close", () => {
      connections.delete(conn);
      for (const runId of ctx.manager.unsubscribeAll(conn)) announcePresence(ctx.manager, runId);
      conn.close();
    });
    ws.on("error", () => ws.terminate());
  });

  const keepalive = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, KEEPALIVE_MS);
  keepalive.unref();

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;

  return {
    port,
    url: `ws://${host}:${port}`,
    connections: () => connections.size,
    broadcast(message) {
      for (const conn of connections) {
        if (!conn.greeted || (message.type === "run" && !ctx.access.sees(conn.access, message.run.runId))) continue;
        conn.send(message);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(keepalive);
        for (const ws of wss.clients) ws.close(1001, "daemon shutting down");
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function onMessage(ctx: DispatchContext, conn: Connection, data: RawData, isBinary: boolean): void {
  if (isBinary) {
    conn.send({ type: "error", id: null, code: "bad_message", message: "binary frames are not accepted from clients" });
    return;
  }
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const parsed = parseClientMessage(buffer.byteLength > MAX_CLIENT_MESSAGE_BYTES ? "" : buffer.toString("utf8"), buffer.byteLength);
  if (!parsed.ok) {
    conn.send({ type: "error", id: parsed.id, code: parsed.code, message: parsed.message });
    return;
  }
  dispatch(ctx, conn, parsed.message);
}

function health(ctx: DispatchContext, req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, protocol: PROTOCOL_VERSION, version: ctx.serverVersion, backend: ctx.backend.name }));
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("Orrery trainer daemon: connect with a WebSocket (see /health)\n");
}
