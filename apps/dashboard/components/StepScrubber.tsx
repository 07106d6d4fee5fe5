/**
 * Slides over the run's stored snapshot steps. "Live" follows the newest snapshot; moving the slider
 * pins the tensor views to the snapshot at that step.
 */
export function StepScrubber({
  steps,
  live,
  pinnedStep,
  shownStep,
  loading,
  onScrub,
  onLive,
}: {
  steps: number[];
  live: boolean;
  pinnedStep: number | null;
  /** Step of the snapshot actually drawn. */
  shownStep: number | null;
  loading: boolean;
  onScrub: (step: number) => void;
  onLive: () => void;
}) {
  const last = steps.length - 1;
  let index = last;
  if (!live && pinnedStep !== null) {
    // The stored step at or before the pinned one.
    index = 0;
    for (let i = 0; i < steps.length; i++) if (steps[i]! <= pinnedStep) index = i;
  }
  return (
    <div data-testid="scrubber" data-live={live ? "true" : "false"} className="flex items-center gap-3">
      <button
        type="button"
        data-testid="btn-live"
        onClick={onLive}
        className={`h-7 shrink-0 rounded-full px-3 text-xs font-semibold ring-1 ring-inset ${
          live ? "bg-rose-500/20 text-rose-200 ring-rose-400/50" : "text-slate-300 ring-slate-600 hover:bg-slate-800"
        }`}
        title="Follow the newest snapshot"
      >
        <span className={`mr-1.5 inline-block h-1.5 w-1.5 rounded-full ${live ? "bg-rose-400 animate-pulse" : "bg-slate-500"}`} />
        live
      </button>
      <input
        data-testid="scrubber-range"
        type="range"
        min={0}
        max={Math.max(0, last)}
        step={1}
        value={Math.max(0, index)}
        disabled={steps.length < 2}
        onChange={(e) => {
          const s = steps[Number(e.target.value)];
          if (s !== undefined) onScrub(s);
        }}
        className="h-1.5 flex-1 cursor-pointer accent-indigo-400 disabled:cursor-default disabled:opacity-40"
        aria-label="snapshot step"
      />
      <span className="w-56 shrink-0 text-right font-mono text-xs tabular-nums text-slate-400">
        {steps.length === 0 ? (
          "no snapshots yet"
        ) : (
          <>
            showing step <span className="text-slate-100">{shownStep ?? "—"}</span>
            {loading ? " …" : ""} · {steps.length} stored
          </>
        )}
      </span>
    </div>
  );
}
