import { decodeSnapshotFrame, type ExperimentInfo, type RunReport, type RunSummary } from "@orrery/protocol";
import { buildRunReport, reportEvents, type ReportLimits, type ReportSource } from "@orrery/report";
import type { RunStore } from "@orrery/store";

/** Points per metric curve in a report: what the dashboard asks `history` for. */
export const REPORT_MAX_POINTS = 2000;

/** A run's report from its stored record: `history` is the run manager's answer; snapshots are decoded from the store. */
export function exportReport(
  store: RunStore,
  run: RunSummary,
  experiment: ExperimentInfo | null,
  history: Pick<ReportSource, "series" | "snapshotSteps" | "interventions" | "annotations">,
  limits?: ReportLimits,
): RunReport {
  return buildRunReport(
    {
      run,
      experiment,
      ...history,
      snapshotAt: (step) => {
        const found = store.snapshotAt(run.runId, step);
        return found && decodeSnapshotFrame(found.bytes);
      },
    },
    limits,
  );
}

/** Why a run imported from a report refuses every change. */
export const readOnlyReason = (run: RunSummary) =>
  `run ${run.runId} was imported from a report (of run ${run.imported?.runId}): it is read-only, nothing resumes, steps, changes or forks it`;

/**
 * Stores `report` as a new run `runId`: finished, marked imported, with the report's curves, snapshots,
 * interventions and comments as its events (written in one transaction).
 */
export function importReport(store: RunStore, report: RunReport, runId: string, now = Date.now()): RunSummary {
  const source = report.run;
  const reason = `imported from a report of run ${source.runId} (${source.state} at step ${source.step}, exported ${new Date(report.exportedAt).toISOString()}); read-only`;
  const { events, lastSeq } = reportEvents(report, runId, "finished", reason);
  return store.importRun(
    {
      runId,
      experiment: source.experiment,
      config: source.config,
      totalSteps: source.totalSteps,
      backend: source.backend,
      createdAt: now,
      references: source.references,
      parent: null,
      state: "finished",
      reason,
      step: source.step,
      lastSeq,
      imported: { runId: source.runId, exportedAt: report.exportedAt, importedAt: now },
    },
    events,
  );
}
