import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Which browser pages may talk to the daemon, by their `Origin` header. Requests without one (the CLI, tests,
 * other daemons: anything that is not a browser) pass; the token is checked after this either way.
 * Entries: `*` (any origin), `scheme://host[:port]` (exact; a default port may be left out), or
 * `scheme://host:*` (that host on any port).
 */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

export class OriginListError extends Error {}

export interface OriginPolicy {
  /** The entries, normalized, as the daemon reports them. */
  readonly entries: readonly string[];
  /** Whether a request with this `Origin` header (undefined: none) may proceed. */
  allows(origin: string | undefined): boolean;
}

/**
 * Splits `--allow-origin` values and `ORRERY_ALLOWED_ORIGINS` (each may be comma-separated) into entries,
 * normalized; throws an OriginListError naming a malformed one.
 */
export function parseAllowedOrigins(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean).map(normalizeEntry);
}

export function originPolicy(entries: readonly string[] = DEFAULT_ALLOWED_ORIGINS): OriginPolicy {
  const normalized = entries.map(normalizeEntry);
  const any = normalized.includes("*");
  const exact = new Set(normalized.filter((e) => !e.endsWith(":*")));
  const anyPort = new Set(normalized.filter((e) => e.endsWith(":*") && e !== "*").map((e) => e.slice(0, -2)));
  return {
    entries: normalized,
    allows(origin) {
      if (origin === undefined || any) return true;
      const parsed = parseOrigin(origin);
      if (!parsed) return false;
      return exact.has(parsed.origin) || anyPort.has(`${parsed.protocol}//${parsed.hostname}`);
    },
  };
}

function normalizeEntry(entry: string): string {
  if (entry === "*") return entry;
  const wildPort = entry.endsWith(":*");
  const parsed = parseOrigin(wildPort ? entry.slice(0, -2) : entry);
  if (!parsed || !/^https?:$/.test(parsed.protocol) || (wildPort && parsed.port !== "")) {
    throw new OriginListError(`"${entry}" is not an origin: use *, https://host[:port] or https://host:* (any port)`);
  }
  return wildPort ? `${parsed.protocol}//${parsed.hostname}:*` : parsed.origin;
}

/** An origin has a scheme, a host and maybe a port, nothing else (a trailing "/" is tolerated in entries). */
function parseOrigin(s: string): URL | null {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if (url.origin === "null" || url.username || url.password || url.search || url.hash || url.pathname !== "/") return null;
  return url;
}

/** The Origin header as logs show it: bounded and quoted (it is whatever the client sent). */
const shown = (origin: string) => JSON.stringify(origin.slice(0, 200));

/** At the WebSocket upgrade: answers 403 and returns true when the page's origin is not allowed (logged, no token). */
export function refuseUpgradeByOrigin(policy: OriginPolicy, req: IncomingMessage, socket: Duplex): boolean {
  const origin = req.headers.origin;
  if (policy.allows(origin)) return false;
  console.warn(`refused a WebSocket from origin ${shown(origin!)} (${req.socket.remoteAddress ?? "?"}): not in the allowed origins (--allow-origin)`);
  const body = "origin not allowed by this daemon (see its --allow-origin)\n";
  socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return true;
}

/**
 * For the HTTP routes a dashboard on another origin calls (checkpoints, reports): an allowed origin
 * gets CORS headers (and a preflight its answer), a refused one a 403. Returns true when the request is answered.
 */
export function corsGate(policy: OriginPolicy, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (!policy.allows(origin)) {
    console.warn(`refused HTTP ${req.method ?? "?"} from origin ${shown(origin)}: not in the allowed origins (--allow-origin)`);
    res.writeHead(403, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "origin not allowed by this daemon (see its --allow-origin)" }));
    return true;
  }
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("vary", "Origin");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.writeHead(204, {
      "access-control-allow-methods": "GET, PUT, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
    });
    res.end();
    return true;
  }
  return false;
}
