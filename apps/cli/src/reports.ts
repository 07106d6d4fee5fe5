import { readFileSync, writeFileSync } from "node:fs";
import { parseRunReport, type RunSummary } from "@orrery/protocol";
import { renderReportHtml, reportFileName, reportJsonFromHtml } from "@orrery/report";
import type { RunManager } from "@orrery/trainer";

export type ReportFormat = "html" | "json";

/** Writes run `runId`'s report (self-contained HTML, or JSON) to `out` (default: its own file name); returns the path. */
export function exportRun(manager: RunManager, runId: string, format: ReportFormat, out?: string): { path: string; bytes: number } {
  const report = manager.report(runId);
  const text = format === "html" ? renderReportHtml(report) : JSON.stringify(report);
  const path = out ?? reportFileName(report.run, format);
  writeFileSync(path, text);
  return { path, bytes: Buffer.byteLength(text) };
}

/** Imports a report file (its JSON, or an exported HTML page) as a new read-only run; throws naming what is wrong. */
export function importRun(manager: RunManager, file: string): { run: RunSummary; from: string } {
  const text = readFileSync(file, "utf8");
  const json = /^\s*</.test(text) ? reportJsonFromHtml(text) : text;
  if (json === null) throw new Error(`${file} is HTML but not an exported Orrery report`);
  const parsed = parseRunReport(json);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.message}`);
  return { run: manager.importReport(parsed.report), from: parsed.report.run.runId };
}
