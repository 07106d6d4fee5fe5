export { buildRunReport, evenlySpaced, reportFileName, DEFAULT_LIMITS, type ReportLimits, type ReportSource } from "./build.ts";
export { reportEvents, pointsOf, type ImportEvent } from "./events.ts";
export { renderReportHtml, reportJsonFromHtml } from "./html.ts";
