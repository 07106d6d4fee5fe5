import { z } from "zod";
import { ExperimentInfo, RunSummary, Step } from "./common.ts";
import { Series } from "./messages.ts";
import { InterventionRecord } from "./interventions.ts";
import { Annotation } from "./access.ts";
import { sizeOf } from "./frames.ts";

/*
 * A static run report: everything needed to look at a run without its daemon (config, curves, a selection of
 * snapshots, the intervention log, comments), as JSON. It is embedded in the self-contained HTML export and can
 * be imported back into a store as a read-only run.
 */

export const REPORT_FORMAT = "orrery-report";
export const REPORT_VERSION = 1;

/** One snapshot tensor, row-major; null stands for a value that was not finite (JSON has no NaN). */
export const ReportTensor = z.object({
  name: z.string().min(1).max(200),
  shape: z.array(z.number().int().nonnegative()).max(8),
  values: z.array(z.number().nullable()),
});
export type ReportTensor = z.infer<typeof ReportTensor>;

export const ReportSnapshot = z.object({ step: Step, tensors: z.array(ReportTensor) });
export type ReportSnapshot = z.infer<typeof ReportSnapshot>;

export const RunReport = z
  .object({
    format: z.literal(REPORT_FORMAT),
    version: z.literal(REPORT_VERSION),
    /** ms since the epoch. */
    exportedAt: z.number(),
    /** The run as its daemon knew it (its config is `run.config`). */
    run: RunSummary,
    /** What the run's experiment is and how to draw it (metrics, views); null when the exporter did not know it. */
    experiment: ExperimentInfo.nullable(),
    /** Downsampled (min/max preserving) metric series, as the `history` message carries them. */
    series: z.record(z.string(), Series),
    /** Every step the run had a stored snapshot at (the report carries a selection of them in `snapshots`). */
    snapshotSteps: z.array(Step),
    /** The selected snapshots, ascending by step. */
    snapshots: z.array(ReportSnapshot).max(1000),
    /** What the exporter left out and why (e.g. a tensor too large to embed), one sentence each. */
    omitted: z.array(z.string()),
    interventions: z.array(InterventionRecord),
    annotations: z.array(Annotation),
  })
  .superRefine((r, ctx) => {
    for (const [name, s] of Object.entries(r.series)) {
      if (s.step.length !== s.value.length) {
        ctx.addIssue({ code: "custom", path: ["series", name], message: `${s.step.length} steps but ${s.value.length} values` });
      }
    }
    r.snapshots.forEach((snap, i) =>
      snap.tensors.forEach((t, j) => {
        if (t.values.length !== sizeOf(t.shape)) {
          ctx.addIssue({ code: "custom", path: ["snapshots", i, "tensors", j], message: `${t.name}: ${t.values.length} values do not fill shape [${t.shape}]` });
        }
      }),
    );
  });
export type RunReport = z.infer<typeof RunReport>;

/** Parses a report's JSON text; never throws. The error names what was wrong. */
export function parseRunReport(text: string): { ok: true; report: RunReport } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== REPORT_FORMAT) return { ok: false, message: `not an Orrery report (format is ${JSON.stringify(format)}, expected "${REPORT_FORMAT}")` };
  const version = (raw as { version?: unknown }).version;
  if (version !== REPORT_VERSION) return { ok: false, message: `report version ${JSON.stringify(version)} is not one this build reads (${REPORT_VERSION})` };
  const result = RunReport.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    return { ok: false, message: `invalid report: ${issues.join("; ")}` };
  }
  return { ok: true, report: result.data };
}
