import { httpUrlOf } from "./connection/client.ts";

/** The daemon's HTTP API next to its socket (same host and port: ws → http, wss → https), token as a query parameter. */
export const httpBase = (daemonUrl: string) => httpUrlOf(daemonUrl) ?? daemonUrl;

/** Where a run's static report downloads from: one self-contained HTML file, or its JSON. */
export const reportUrl = (daemonUrl: string, token: string, runId: string, ext: "html" | "json") =>
  `${httpBase(daemonUrl)}/runs/${encodeURIComponent(runId)}/report.${ext}?token=${encodeURIComponent(token)}`;

/** Where a report is POSTed to become a read-only run. */
export const importUrl = (daemonUrl: string, token: string) => `${httpBase(daemonUrl)}/runs/import?token=${encodeURIComponent(token)}`;
