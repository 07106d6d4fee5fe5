import type { ButtonHTMLAttributes, ReactNode } from "react";
import type { RunState } from "@orrery/protocol";

/** Small shared pieces: panels, buttons and the run-state badge. */

export function Panel({
  title,
  aside,
  children,
  className = "",
  bodyClassName = "",
}: {
  title?: ReactNode;
  aside?: ReactNode;
  children: ReactNode;
  className?: string;
  bodyClassName?: string;
}) {
  return (
    <section className={`rounded-xl border border-slate-800 bg-slate-900/60 ${className}`}>
      {title !== undefined && (
        <header className="flex items-baseline justify-between gap-2 border-b border-slate-800/80 px-4 py-2">
          <h2 className="text-[11px] font-semibold uppercase tracking-[0.12em] text-slate-400">{title}</h2>
          {aside}
        </header>
      )}
      <div className={`p-4 ${bodyClassName}`}>{children}</div>
    </section>
  );
}

type Tone = "primary" | "neutral" | "danger";
const TONES: Record<Tone, string> = {
  primary: "bg-indigo-500 text-white hover:bg-indigo-400 disabled:bg-slate-700 disabled:text-slate-400",
  neutral: "bg-slate-800 text-slate-100 hover:bg-slate-700 disabled:bg-slate-800/50 disabled:text-slate-600",
  danger: "bg-rose-900/70 text-rose-100 hover:bg-rose-800 disabled:bg-slate-800/50 disabled:text-slate-600",
};

export function Button({
  tone = "neutral",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex h-8 items-center gap-1.5 rounded-md px-3 text-sm font-medium transition-colors disabled:cursor-not-allowed ${TONES[tone]} ${className}`}
    />
  );
}

export const STATE_STYLE: Record<RunState, string> = {
  created: "bg-slate-700/60 text-slate-200 ring-slate-500/40",
  running: "bg-emerald-500/15 text-emerald-300 ring-emerald-400/40",
  paused: "bg-amber-500/15 text-amber-300 ring-amber-400/40",
  stopped: "bg-slate-700/40 text-slate-300 ring-slate-500/30",
  finished: "bg-sky-500/15 text-sky-300 ring-sky-400/40",
  failed: "bg-rose-500/15 text-rose-300 ring-rose-400/40",
};

export function StateBadge({ state, testId }: { state: RunState; testId?: string }) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATE_STYLE[state]}`}
    >
      <span
        aria-hidden
        className={`h-1.5 w-1.5 rounded-full bg-current ${state === "running" ? "animate-pulse" : ""}`}
      />
      <span data-testid={testId}>{state}</span>
    </span>
  );
}
