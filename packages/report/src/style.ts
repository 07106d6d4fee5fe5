/** The report page's stylesheet (system fonts only: nothing is fetched). */
export const REPORT_STYLE = `
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; background: #020617; color: #e2e8f0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px; display: flex; flex-direction: column; gap: 16px; }
h1 { margin: 0; font-size: 22px; color: #f8fafc; }
h2 { margin: 0 0 8px; font-size: 12px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: #94a3b8; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 6px 0 0; color: #94a3b8; font-size: 13px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { border-radius: 999px; padding: 0 8px; background: #334155; color: #f1f5f9; }
.state-finished { background: #065f46; } .state-failed { background: #7f1d1d; } .state-paused { background: #78350f; }
.reason { margin: 8px 0 0; padding: 6px 10px; border: 1px solid rgba(251,191,36,.4); border-radius: 8px; background: rgba(245,158,11,.1); color: #fde68a; }
.description { color: #94a3b8; max-width: 80ch; }
.panel { background: #0f172a; border: 1px solid #1e293b; border-radius: 12px; padding: 12px 14px; min-width: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.views { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.views .panel { background: #020617; max-width: 380px; }
svg { display: block; max-width: 100%; height: auto; }
.plot { fill: #020617; stroke: #1e293b; }
.grid-line { stroke: #1e293b; }
.tick { fill: #64748b; font-size: 10px; }
.line { fill: none; stroke: #818cf8; stroke-width: 1.6; }
.reference { stroke: #34d399; stroke-dasharray: 5 4; }
.reference-label { fill: #34d399; font-size: 10px; }
.intervention line { stroke: #f59e0b; stroke-width: 2; }
.annotation circle { fill: #38bdf8; }
.cursor { stroke: #f8fafc; stroke-opacity: .5; stroke-dasharray: 2 3; }
.cycle { fill: none; stroke: #475569; stroke-width: 1; }
.heatmap rect { stroke: #020617; stroke-width: .5; }
.cell-text { fill: #f8fafc; font-size: 10px; }
.bars rect { fill: #818cf8; }
.latest, .hint { margin: 4px 0 0; color: #64748b; font-size: 12px; }
.empty { color: #64748b; }
.scrubber { display: flex; align-items: center; gap: 12px; margin-top: 12px; padding-top: 10px; border-top: 1px solid #1e293b; }
.scrubber input { flex: 1; max-width: 520px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
th { color: #94a3b8; font-weight: 500; }
ul.log { margin: 0; padding-left: 18px; }
footer { color: #475569; font-size: 12px; text-align: center; }
`;
