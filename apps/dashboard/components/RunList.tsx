import type { RunView } from "../lib/state/types.ts";
import { StateBadge } from "./ui.tsx";

const ago = (t: number, now: number) => {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(t).toLocaleDateString();
};

/** Every run the daemon knows, live and past, newest first; click one to open it. */
export function RunList({
  runs,
  selectedId,
  titles,
  onSelect,
  now,
  testId = "run-list",
}: {
  runs: RunView[];
  selectedId: string | null;
  titles: Record<string, string>;
  onSelect: (runId: string) => void;
  now: number;
  testId?: string;
}) {
  return (
    <ul data-testid={testId} className="space-y-1">
      {runs.length === 0 && <li className="px-1 py-2 text-xs text-slate-500">No runs yet.</li>}
      {runs.map((r) => {
        const pct = r.totalSteps > 0 ? Math.min(100, (100 * r.step) / r.totalSteps) : 0;
        const selected = r.id === selectedId;
        return (
          <li key={r.id}>
            <button
              type="button"
              data-run-id={r.id}
              onClick={() => onSelect(r.id)}
              className={`w-full rounded-lg border px-3 py-2 text-left transition-colors ${
                selected
                  ? "border-indigo-500/60 bg-indigo-500/10"
                  : "border-transparent hover:border-slate-700 hover:bg-slate-800/50"
              }`}
            >
              <div className="flex items-center justify-between gap-2">
                <span className="truncate font-mono text-xs text-slate-200">{r.id}</span>
                <StateBadge state={r.state} />
              </div>
              <div className="mt-1 flex items-center justify-between gap-2 text-[11px] text-slate-500">
                <span className="truncate">{titles[r.experiment] ?? r.experiment}</span>
                <span className="shrink-0 font-mono tabular-nums">
                  {r.step.toLocaleString("en-US")}/{r.totalSteps.toLocaleString("en-US")}
                </span>
              </div>
              <div className="mt-1.5 h-0.5 overflow-hidden rounded bg-slate-800">
                <div className="h-full bg-indigo-400/70" style={{ width: `${pct}%` }} />
              </div>
              <div className="mt-1 text-[10px] text-slate-600">
                {r.backend} · {ago(r.createdAt, now)}
                {r.parent && (
                  <span data-testid="run-parent" title={r.parent.name ? `forked from checkpoint ${r.parent.name} of ${r.parent.runId}` : `forked from run ${r.parent.runId} at step ${r.parent.step}`}>
                    {" "}· fork of {r.parent.runId === "uploads" ? "upload" : r.parent.runId.slice(0, 8)} @ {r.parent.step}
                  </span>
                )}
              </div>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
