import type { IncomingMessage, ServerResponse } from "node:http";
import { parseRunReport } from "@orrery/protocol";
import { renderReportHtml, reportFileName, reportJsonFromHtml } from "@orrery/report";
import { NotFoundError, type RunManager } from "../runs/run-manager.ts";
import type { AccessControl } from "./access.ts";
import { presentedToken } from "./auth.ts";
import { readBody } from "./http-body.ts";

/** Largest report a user may import (the daemon holds it in memory to check it). */
export const MAX_IMPORT_BYTES = 32 << 20;
const ROUTE = /^\/runs\/(?:([^/?]+)\/report\.(html|json)|(import))(?:\?.*)?$/;

/**
 * `GET /runs/<runId>/report.html?token=…` (or `.json`): the run's static report, for any role that sees the run;
 * `POST /runs/import?token=…` with a report (its JSON, or an exported HTML page) as the body: a new read-only run,
 * for a controller or the owner (not a link scoped to some runs), answered with its summary. Returns false when
 * the request is not for these routes.
 */
export function reportRoute(ctx: { manager: RunManager; access: AccessControl }, req: IncomingMessage, res: ServerResponse): boolean {
  const m = ROUTE.exec(req.url ?? "");
  if (!m) return false;
  // Browsers' preflights and allowed origins are answered by the server's CORS gate; a request without an Origin may read too.
  if (!res.hasHeader("access-control-allow-origin")) res.setHeader("access-control-allow-origin", "*");
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
    return true;
  };
  const access = ctx.access.authenticate(presentedToken(req));
  if (!access) return reply(401, { error: "wrong or missing token" });
  const refuse = (why: string) => {
    console.warn(`refused HTTP ${req.method} ${req.url?.split("?")[0]} (${access.role}${access.linkId ? `, link ${access.linkId}` : ""}): ${why}`);
    return reply(403, { error: why });
  };
  try {
    if (m[1] !== undefined) {
      if (req.method !== "GET") return reply(405, { error: "GET a run's report" });
      const runId = decodeURIComponent(m[1]);
      if (!ctx.access.sees(access, runId)) return refuse(`this link does not grant run ${runId}`);
      const format = m[2] as "html" | "json";
      const report = ctx.manager.report(runId);
      const body = format === "html" ? renderReportHtml(report) : JSON.stringify(report);
      res.writeHead(200, {
        "content-type": format === "html" ? "text/html; charset=utf-8" : "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${reportFileName(report.run, format)}"`,
        "access-control-expose-headers": "content-disposition",
        "cache-control": "no-store",
      });
      res.end(body);
      return true;
    }
    if (req.method !== "POST") return reply(405, { error: "POST a report to /runs/import" });
    if (access.role === "viewer") return refuse("a viewer may not import runs (needs controller)");
    if (access.runIds) return refuse("this link is for some runs only; it cannot import new ones");
    readBody(req, MAX_IMPORT_BYTES, (err, body) => {
      if (err) return reply(413, { error: err });
      const text = body.toString("utf8");
      const json = /^\s*</.test(text) ? reportJsonFromHtml(text) : text;
      if (json === null) return reply(400, { error: "an HTML body must be an exported Orrery report (it embeds no report JSON)" });
      const parsed = parseRunReport(json);
      if (!parsed.ok) return reply(400, { error: parsed.message });
      try {
        reply(201, ctx.manager.importReport(parsed.report));
      } catch (e) {
        reply(500, { error: (e as Error).message });
      }
    });
  } catch (e) {
    if (e instanceof NotFoundError) return reply(404, { error: e.message });
    if (e instanceof URIError) return reply(400, { error: "malformed run id in the path" });
    return reply(500, { error: (e as Error).message });
  }
  return true;
}
