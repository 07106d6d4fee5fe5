import type { UiError } from "../lib/state/types.ts";

/** Errors the daemon sent back for our requests (and unreadable messages), newest last; each dismissible. */
export function ErrorBanner({ errors, onDismiss }: { errors: UiError[]; onDismiss: (key: number) => void }) {
  if (errors.length === 0) return null;
  return (
    <div data-testid="error-banner" role="alert" className="space-y-1.5">
      {errors.map((e) => (
        <div
          key={e.key}
          className="flex items-start gap-3 rounded-lg border border-rose-500/40 bg-rose-950/60 px-3 py-2 text-sm text-rose-100"
        >
          <span className="mt-0.5 rounded bg-rose-500/20 px-1.5 font-mono text-[11px] text-rose-300">{e.code}</span>
          <span className="flex-1">{e.message}</span>
          <button
            type="button"
            aria-label="dismiss"
            onClick={() => onDismiss(e.key)}
            className="text-rose-300 hover:text-white"
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
