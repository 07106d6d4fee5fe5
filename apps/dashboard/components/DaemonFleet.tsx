"use client";

import { useState } from "react";
import { connectionLabel, runList } from "../lib/state/selectors.ts";
import type { UiState } from "../lib/state/types.ts";
import { RunList } from "./RunList.tsx";
import { DOT } from "./StatusBar.tsx";

/**
 * The other daemons this dashboard watches, each with its connection state and its runs; opening a run
 * makes its daemon the one on screen. New daemons are added by URL and token.
 */
export function DaemonFleet({
  daemons,
  titles,
  now,
  onOpen,
  onAdd,
  onRemove,
}: {
  daemons: { url: string; state: UiState | undefined }[];
  titles: Record<string, string>;
  now: number;
  onOpen: (url: string, runId: string | null) => void;
  onAdd: (url: string, token: string) => void;
  onRemove: (url: string) => void;
}) {
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  return (
    <div data-testid="daemon-fleet" className="space-y-4">
      {daemons.map(({ url: u, state }) => {
        const status = state?.connection.status ?? "connecting";
        return (
          <div key={u} data-daemon-url={u} className="space-y-1.5">
            <div className="flex items-center gap-2 text-xs">
              <span aria-hidden className={`h-2 w-2 shrink-0 rounded-full ${DOT[status]}`} />
              <button
                type="button"
                title="open this daemon"
                className="truncate font-mono text-slate-200 hover:text-sky-300"
                onClick={() => onOpen(u, null)}
              >
                {u.replace(/^wss?:\/\//, "")}
              </button>
              <span data-testid="fleet-status" data-status={status} className="truncate text-slate-500">
                {state ? connectionLabel(state.connection, now) : "connecting…"}
                {state?.connection.status === "connected" && ` · ${state.role}`}
              </span>
              <button type="button" title="stop watching this daemon" className="ml-auto text-slate-500 hover:text-rose-300" onClick={() => onRemove(u)}>
                ×
              </button>
            </div>
            {state?.connection.detail && status !== "connected" && <p className="text-[11px] text-rose-300/90">{state.connection.detail}</p>}
            {state && <RunList runs={runList(state)} selectedId={null} titles={titles} now={now} onSelect={(runId) => onOpen(u, runId)} testId="fleet-run-list" />}
          </div>
        );
      })}
      <form
        className="flex flex-wrap items-center gap-1.5 text-xs"
        onSubmit={(e) => {
          e.preventDefault();
          if (!url.trim()) return;
          onAdd(url, token);
          setUrl("");
          setToken("");
        }}
      >
        <input
          data-testid="input-add-daemon-url"
          placeholder="ws://host:8787 or wss://…"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          spellCheck={false}
          className="h-7 min-w-0 flex-1 rounded-md border border-slate-700 bg-slate-900 px-2 font-mono text-slate-100 outline-none focus:border-indigo-400"
        />
        <input
          data-testid="input-add-daemon-token"
          type="password"
          placeholder="token"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoComplete="off"
          className="h-7 w-24 rounded-md border border-slate-700 bg-slate-900 px-2 font-mono text-slate-100 outline-none focus:border-indigo-400"
        />
        <button type="submit" data-testid="btn-add-daemon" className="h-7 rounded-md bg-slate-800 px-2.5 text-slate-100 hover:bg-slate-700">
          add
        </button>
      </form>
    </div>
  );
}
