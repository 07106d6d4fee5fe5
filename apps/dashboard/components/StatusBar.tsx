import type { BackendInfo } from "@orrery/protocol";
import type { ConnectionStatus } from "../lib/state/types.ts";

/** The connection-state dot's colour (also beside each daemon in the daemon list). */
export const DOT: Record<ConnectionStatus, string> = {
  idle: "bg-slate-500",
  connecting: "bg-amber-400 animate-pulse",
  handshaking: "bg-amber-400 animate-pulse",
  connected: "bg-emerald-400",
  reconnecting: "bg-rose-500",
};

/** Bottom bar: connection state (with why it dropped), daemon version, compute backend and why it was chosen. */
export function StatusBar({
  status,
  label,
  detail,
  url,
  serverVersion,
  backend,
  onReconnect,
}: {
  status: ConnectionStatus;
  label: string;
  detail: string | null;
  url: string;
  serverVersion: string | null;
  backend: BackendInfo | null;
  onReconnect?: () => void;
}) {
  const tried = backend?.tried.map((t) => `${t.ok ? "✓" : "✗"} ${t.name}: ${t.detail}`).join("\n");
  return (
    <footer className="flex flex-wrap items-center gap-x-6 gap-y-1 border-t border-slate-800 bg-slate-950/95 px-4 py-1.5 text-xs text-slate-400">
      <span className="flex items-center gap-2">
        <span aria-hidden className={`h-2 w-2 rounded-full ${DOT[status]}`} />
        <span data-testid="connection-status" data-status={status} className="text-slate-200">
          {label}
        </span>
        <span className="font-mono text-slate-500">{url}</span>
        {status === "reconnecting" && onReconnect && (
          <button type="button" onClick={onReconnect} className="text-indigo-300 underline-offset-2 hover:underline">
            retry now
          </button>
        )}
      </span>
      {detail && status !== "connected" && <span className="text-rose-300/90">{detail}</span>}
      <span className="ml-auto flex items-center gap-2" title={tried}>
        <span className="uppercase tracking-wider text-slate-500">backend</span>
        <span data-testid="backend" className="text-slate-200">
          {backend ? (
            <>
              <span className="font-mono font-semibold text-cyan-300">{backend.name}</span>
              <span className="text-slate-400"> — {backend.reason}</span>
            </>
          ) : (
            "—"
          )}
        </span>
      </span>
      {serverVersion && <span className="text-slate-500">daemon {serverVersion}</span>}
    </footer>
  );
}
