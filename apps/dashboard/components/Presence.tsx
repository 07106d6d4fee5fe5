import type { Watcher } from "@orrery/protocol";

const ROLE_STYLE: Record<Watcher["role"], string> = {
  owner: "text-amber-300",
  controller: "text-sky-300",
  viewer: "text-slate-400",
};

/** Who is watching the run on screen, with their role; "you" marks this page's own connection. */
export function Presence({ watchers, you }: { watchers: readonly Watcher[]; you: Watcher | null }) {
  if (watchers.length === 0) return null;
  return (
    <div data-testid="presence" className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-0.5 text-xs text-slate-500">
      <span>watching:</span>
      {watchers.map((w) => (
        <span key={w.id} data-testid="watcher" data-role={w.role} className="rounded bg-slate-800/70 px-1.5 py-0.5">
          <span className="text-slate-200">{w.name}</span>
          {w.id === you?.id && <span className="text-slate-500"> (you)</span>} <span className={ROLE_STYLE[w.role]}>{w.role}</span>
        </span>
      ))}
    </div>
  );
}
