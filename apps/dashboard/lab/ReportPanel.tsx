"use client";

import { useState } from "react";
import type { Role, RunSummary } from "@orrery/protocol";
import type { RunView } from "../lib/state/types.ts";
import { importUrl, reportUrl } from "../lib/reports.ts";

const button = "rounded-md bg-slate-700 px-2.5 py-1 text-xs text-slate-100 hover:bg-slate-600";

/**
 * Static reports, served by the daemon's HTTP API next to its socket: download the open run as one self-contained
 * HTML file (opens offline) or as JSON, and import such a file as a new read-only run (controller or owner).
 */
export function ReportPanel({
  run,
  role,
  daemonUrl,
  token,
  onImported,
}: {
  run: Pick<RunView, "id" | "imported"> | null;
  role: Role | null;
  daemonUrl: string;
  token: string;
  /** Opens the run just imported. */
  onImported: (runId: string) => void;
}) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const href = (ext: "html" | "json") => reportUrl(daemonUrl, token, run?.id ?? "", ext);

  const upload = async (file: File) => {
    setBusy(true);
    setStatus(null);
    try {
      // A text body keeps this a simple cross-origin request (no preflight); the daemon reads JSON or an exported page.
      const res = await fetch(importUrl(daemonUrl, token), { method: "POST", body: await file.text() });
      const body = (await res.json().catch(() => ({}))) as Partial<RunSummary> & { error?: string };
      if (res.ok && body.runId) {
        setStatus({ ok: true, text: `imported as ${body.runId}` });
        onImported(body.runId);
      } else setStatus({ ok: false, text: body.error ?? `import failed (HTTP ${res.status})` });
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="flex flex-col gap-3 text-sm" data-testid="report-panel">
      {run?.imported && (
        <p data-testid="imported-badge" className="text-xs text-amber-200">
          <span className="mr-2 rounded-full bg-amber-500/20 px-2 py-0.5 font-semibold">imported · read-only</span>
          from run <span className="font-mono">{run.imported.runId}</span>, exported {new Date(run.imported.exportedAt).toLocaleString()}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {run ? (
          <>
            <a data-testid="report-html" className={button} href={href("html")} download>
              Export HTML
            </a>
            <a data-testid="report-json" className={button} href={href("json")} download>
              Export JSON
            </a>
            <span className="text-xs text-slate-500">one file: charts, embedding scrubber, log and comments, offline</span>
          </>
        ) : (
          <span className="text-xs text-slate-500">open a run to export its report</span>
        )}
      </div>
      <label className="flex flex-wrap items-center gap-2 text-xs text-slate-400">
        Import a report (.json or exported .html) as a read-only run:
        <input
          data-testid="report-import"
          type="file"
          accept=".json,.html,application/json,text/html"
          disabled={busy || role === "viewer"}
          className="text-xs file:mr-2 file:rounded-md file:border-0 file:bg-slate-700 file:px-2.5 file:py-1 file:text-slate-100 disabled:opacity-40"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void upload(file);
          }}
        />
      </label>
      {status && (
        <p data-testid="report-status" className={`text-xs ${status.ok ? "text-emerald-300" : "text-rose-300"}`}>
          {status.text}
        </p>
      )}
    </div>
  );
}
