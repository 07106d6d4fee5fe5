import type { ControlsEnabled } from "../lib/state/selectors.ts";
import { Button } from "./ui.tsx";

const Icon = ({ d }: { d: string }) => (
  <svg viewBox="0 0 16 16" className="h-3.5 w-3.5" aria-hidden>
    <path d={d} fill="currentColor" />
  </svg>
);
const PLAY = "M4 2.5v11l9-5.5z";
const PAUSE = "M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z";
const STEP = "M2.5 2.5v11l7.5-5.5zM11 2.5h2.5v11H11z";
const STOP = "M3 3h10v10H3z";

/** Play bar: start a new run; pause / resume / step N / stop the one on screen. Enabled by the run's state. */
export function RunControls({
  enabled,
  stepN,
  onStepNChange,
  onStart,
  onPause,
  onResume,
  onStep,
  onStop,
  onMeasure,
}: {
  enabled: ControlsEnabled;
  stepN: string;
  onStepNChange: (v: string) => void;
  /** `paused`: create the run without taking a step (to intervene before the first one). */
  onStart: (paused: boolean) => void;
  onPause: () => void;
  onResume: () => void;
  onStep: () => void;
  onStop: () => void;
  /** Measure the run's sharpness (top Hessian eigenvalue) now; it lands on the sharpness chart. */
  onMeasure: () => void;
}) {
  const n = Number(stepN);
  const nOk = Number.isInteger(n) && n >= 1 && n <= 100_000;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button tone="primary" data-testid="btn-start" disabled={!enabled.start} onClick={() => onStart(false)} title="Start a new run with the configuration on the left">
        <Icon d={PLAY} /> Start new run
      </Button>
      <Button
        data-testid="btn-create-paused"
        disabled={!enabled.start}
        onClick={() => onStart(true)}
        title="Create the run without taking a step: freeze or set parameters first, then Step or Resume"
      >
        Create paused
      </Button>
      <span className="mx-1 h-6 w-px bg-slate-800" aria-hidden />
      <Button data-testid="btn-pause" disabled={!enabled.pause} onClick={onPause}>
        <Icon d={PAUSE} /> Pause
      </Button>
      <Button data-testid="btn-resume" disabled={!enabled.resume} onClick={onResume}>
        <Icon d={PLAY} /> Resume
      </Button>
      <span className="inline-flex items-center overflow-hidden rounded-md ring-1 ring-slate-700">
        <Button data-testid="btn-step" disabled={!enabled.step || !nOk} onClick={onStep} className="rounded-none">
          <Icon d={STEP} /> Step
        </Button>
        <input
          data-testid="input-step-n"
          aria-label="steps to take"
          inputMode="numeric"
          value={stepN}
          onChange={(e) => onStepNChange(e.target.value)}
          className={`h-8 w-16 bg-slate-950 px-2 text-right font-mono text-sm text-slate-100 outline-none ${nOk ? "" : "text-rose-400"}`}
        />
      </span>
      <Button tone="danger" data-testid="btn-stop" disabled={!enabled.stop} onClick={onStop}>
        <Icon d={STOP} /> Stop
      </Button>
      <span className="mx-1 h-6 w-px bg-slate-800" aria-hidden />
      <Button
        data-testid="btn-sharpness"
        disabled={!enabled.measure}
        onClick={onMeasure}
        title="Measure the top Hessian eigenvalue of the loss now (between two steps); it is charted as 'sharpness'"
      >
        Sharpness
      </Button>
    </div>
  );
}
