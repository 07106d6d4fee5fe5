"use client";

import { useEffect, useState } from "react";

/**
 * Where the dashboard points (edit the daemon URL / token to watch a daemon on another machine) and the name
 * others watching the same run see (empty: a guest label).
 */
export function DaemonSettings({
  url,
  token,
  name,
  onApply,
}: {
  url: string;
  token: string;
  name: string;
  onApply: (url: string, token: string, name: string) => void;
}) {
  const [u, setU] = useState(url);
  const [t, setT] = useState(token);
  const [n, setN] = useState(name);
  useEffect(() => setU(url), [url]);
  useEffect(() => setT(token), [token]);
  useEffect(() => setN(name), [name]);
  const dirty = u !== url || t !== token || n.trim() !== name;
  return (
    <form
      className="flex items-center gap-2 text-xs"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(u, t, n);
      }}
    >
      <label className="flex items-center gap-1.5 text-slate-400">
        you
        <input
          data-testid="input-your-name"
          value={n}
          placeholder="guest"
          maxLength={40}
          onChange={(e) => setN(e.target.value)}
          className="h-7 w-24 rounded-md border border-slate-700 bg-slate-900 px-2 text-slate-100 outline-none focus:border-indigo-400"
        />
      </label>
      <label className="flex items-center gap-1.5 text-slate-400">
        daemon
        <input
          data-testid="input-daemon-url"
          value={u}
          onChange={(e) => setU(e.target.value)}
          spellCheck={false}
          className="h-7 w-56 rounded-md border border-slate-700 bg-slate-900 px-2 font-mono text-slate-100 outline-none focus:border-indigo-400"
        />
      </label>
      <label className="flex items-center gap-1.5 text-slate-400">
        token
        <input
          data-testid="input-daemon-token"
          type="password"
          value={t}
          onChange={(e) => setT(e.target.value)}
          autoComplete="off"
          className="h-7 w-32 rounded-md border border-slate-700 bg-slate-900 px-2 font-mono text-slate-100 outline-none focus:border-indigo-400"
        />
      </label>
      <button
        type="submit"
        disabled={!dirty}
        className="h-7 rounded-md bg-slate-800 px-2.5 text-slate-100 hover:bg-slate-700 disabled:opacity-40"
      >
        connect
      </button>
    </form>
  );
}
