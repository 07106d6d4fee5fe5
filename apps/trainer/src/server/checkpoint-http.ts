import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunManager } from "../runs/run-manager.ts";
import { presentedToken, tokenMatches } from "./auth.ts";
import { readBody } from "./http-body.ts";

/** Largest file a user may upload (the daemon holds it in memory to check it). */
export const MAX_UPLOAD_BYTES = 64 << 20;
const ROUTE = /^\/checkpoints\/([^/?]+)\/([^/?]+)\.safetensors(?:\?.*)?$/;

/**
 * `GET /checkpoints/<runId>/<name>.safetensors?token=…` downloads a named checkpoint (load it in Python with
 * `safetensors`); `PUT /checkpoints/uploads/<name>.safetensors?token=…` uploads one, checked before it is kept.
 * Returns false when the request is not for this route.
 */
export function checkpointRoute(manager: RunManager, token: string, req: IncomingMessage, res: ServerResponse): boolean {
  const m = ROUTE.exec(req.url ?? "");
  if (!m) return false;
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (!tokenMatches(presentedToken(req), token)) return reply(401, { error: "wrong or missing token" }), true;
  const [runId, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
  try {
    if (req.method === "GET") {
      const file = manager.checkpointPath(runId, name);
      if (!existsSync(file)) return reply(404, { error: `no checkpoint ${runId}/${name}` }), true;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
      createReadStream(file).pipe(res);
      return true;
    }
    if (req.method === "PUT" && runId === "uploads") {
      readBody(req, MAX_UPLOAD_BYTES, (err, body) => {
        if (err) return reply(413, { error: err });
        manager.uploadCheckpoint(name, body).then(
          (entry) => reply(201, entry),
          (e: Error) => reply(400, { error: e.message }),
        );
      });
      return true;
    }
    reply(405, { error: "GET a checkpoint, or PUT one under /checkpoints/uploads/" });
  } catch (e) {
    reply(400, { error: (e as Error).message });
  }
  return true;
}
