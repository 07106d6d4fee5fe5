/** The recharts props every time-series chart shares: dark grid, slate axes, a step-labelled tooltip. */
export const GRID = { stroke: "#1e293b", strokeDasharray: "2 4" } as const;
export const AXIS = { stroke: "#475569", tick: { fontSize: 11, fill: "#94a3b8" } } as const;
/** A value axis that can switch to log scale (values ≤ 0 are the caller's to leave out). */
export const valueAxis = (log: boolean) =>
  ({ type: "number", scale: log ? "log" : "auto", domain: ["auto", "auto"], allowDataOverflow: log, ...AXIS }) as const;
export const TOOLTIP = {
  isAnimationActive: false,
  contentStyle: { background: "#0f172a", border: "1px solid #334155", borderRadius: 6, fontSize: 12 },
  labelStyle: { color: "#94a3b8" },
  labelFormatter: (step: unknown) => `step ${String(step)}`,
} as const;
