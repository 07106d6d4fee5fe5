import type { RunReport } from "@orrery/protocol";
import { REPORT_SCRIPT } from "./client-script.ts";
import { REPORT_STYLE } from "./style.ts";

/** No network at all: inline style and script only, images only as data: URLs. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The report as one self-contained HTML page: inline CSS and script (no external URL, font or CDN), the report's
 * JSON embedded in `<script type="application/json" id="orrery-report">` (every `<` escaped, so no text in it can
 * close the tag); the page draws its charts and views from it when opened, from `file://` too.
 */
export function renderReportHtml(report: RunReport): string {
  const title = `${report.experiment?.title ?? report.run.experiment} — run ${report.run.runId} — Orrery report`;
  const json = JSON.stringify(report).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Orrery">
<title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main id="report"><noscript>This report draws its charts with JavaScript; its data is in the JSON below.</noscript></main>
<script type="application/json" id="orrery-report">${json}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

/** The report embedded in an exported HTML page (what `renderReportHtml` wrote), as JSON text; null if none. */
export function reportJsonFromHtml(html: string): string | null {
  const m = /<script type="application\/json" id="orrery-report">([\s\S]*?)<\/script>/.exec(html);
  return m ? m[1]! : null;
}
