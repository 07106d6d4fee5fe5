"use client";

import { useEffect, useState } from "react";
import type { ShareLink } from "@orrery/protocol";

const button = "rounded-md bg-slate-700 px-2.5 py-1 text-xs text-slate-100 hover:bg-slate-600 disabled:opacity-40";
const field = "min-w-0 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100";

const isLoopback = (url: string) => /^(?:wss?|https?):\/\/(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?(?:\/|$)/i.test(url);

/**
 * Owner only: share the open run (or the whole daemon) with a link that grants watching (viewer) or steering
 * (controller), optionally expiring; list and revoke links (revoking closes their open connections).
 */
export function SharePanel({
  runId,
  links,
  newLink,
  daemonUrl,
  dashboardUrl,
  onCreate,
  onRevoke,
  onNeedLinks,
}: {
  runId: string | null;
  links: ShareLink[];
  newLink: { linkId: string; token: string } | null;
  daemonUrl: string;
  dashboardUrl: string;
  onCreate: (opts: { role: ShareLink["role"]; runIds?: string[]; expiresInS?: number }) => void;
  onRevoke: (linkId: string) => void;
  onNeedLinks: () => void;
}) {
  const [role, setRole] = useState<ShareLink["role"]>("viewer");
  const [scope, setScope] = useState<"run" | "daemon">("run");
  const [hours, setHours] = useState("");
  // The addresses a collaborator on another machine reaches (this page's own may be loopback).
  const [publicDaemon, setPublicDaemon] = useState(daemonUrl);
  const [publicDashboard, setPublicDashboard] = useState(dashboardUrl);
  useEffect(() => setPublicDaemon(daemonUrl), [daemonUrl]);
  useEffect(() => setPublicDashboard(dashboardUrl), [dashboardUrl]);
  useEffect(() => onNeedLinks(), [onNeedLinks]);
  const urlFor = (token: string) => `${publicDashboard}?daemon=${encodeURIComponent(publicDaemon)}&token=${encodeURIComponent(token)}`;
  const localOnly = isLoopback(publicDaemon) || isLoopback(publicDashboard);
  const expires = Number(hours);

  return (
    <div className="flex flex-col gap-3 text-sm" data-testid="share-panel">
      <div className="flex flex-wrap items-center gap-2">
        <select data-testid="share-role" className="rounded-md border border-slate-700 bg-slate-900 px-2 py-1 text-xs" value={role} onChange={(e) => setRole(e.target.value as ShareLink["role"])}>
          <option value="viewer">viewer (watch, read-only)</option>
          <option value="controller">controller (steer)</option>
        </select>
        <select data-testid="share-scope" className="rounded-md border border-slate-700 bg-slate-900 px-2 py-1 text-xs" value={scope} onChange={(e) => setScope(e.target.value as "run" | "daemon")}>
          <option value="run" disabled={!runId}>this run</option>
          <option value="daemon">the whole daemon</option>
        </select>
        <input
          className="w-28 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-xs"
          placeholder="expires in h"
          value={hours}
          onChange={(e) => setHours(e.target.value)}
        />
        <button
          data-testid="btn-create-link"
          className={button}
          disabled={scope === "run" && !runId}
          onClick={() =>
            onCreate({
              role,
              ...(scope === "run" && runId && { runIds: [runId] }),
              ...(expires > 0 && { expiresInS: Math.max(60, Math.round(expires * 3600)) }),
            })
          }
        >
          Create link
        </button>
      </div>
      <div className="grid grid-cols-[auto_1fr] items-center gap-x-2 gap-y-1 text-xs text-slate-400">
        <label htmlFor="share-daemon">daemon, as others reach it</label>
        <input id="share-daemon" data-testid="share-daemon-url" className={field} value={publicDaemon} onChange={(e) => setPublicDaemon(e.target.value.trim())} spellCheck={false} />
        <label htmlFor="share-dashboard">dashboard, as others reach it</label>
        <input id="share-dashboard" data-testid="share-dashboard-url" className={field} value={publicDashboard} onChange={(e) => setPublicDashboard(e.target.value.trim())} spellCheck={false} />
      </div>
      {localOnly && (
        <p data-testid="share-loopback" className="text-xs text-amber-300/90">
          A loopback address works only on this machine. For a collaborator elsewhere, serve the daemon on a reachable address
          (<span className="font-mono">--host 0.0.0.0</span>, or behind the TLS proxy in the README) and enter the addresses they use.
        </p>
      )}
      {newLink && (
        <p className="break-all font-mono text-xs text-emerald-300">
          New link (copy it now; the daemon keeps only a hash):{" "}
          <a data-testid="new-link" href={urlFor(newLink.token)}>
            {urlFor(newLink.token)}
          </a>
        </p>
      )}
      <ul data-testid="link-list" className="flex flex-col gap-1 font-mono text-xs text-slate-300">
        {links.map((l) => (
          <li key={l.linkId} className="flex flex-wrap items-center gap-2">
            <span className="text-slate-100">{l.linkId}</span>
            <span className="text-slate-500">
              {l.role} · {l.runIds ? l.runIds.join(", ") : "whole daemon"}
              {l.expiresAt ? ` · expires ${new Date(l.expiresAt).toLocaleString()}` : ""}
              {l.revokedAt ? " · revoked" : ""}
            </span>
            {!l.revokedAt && (
              <button data-testid={`btn-revoke-${l.linkId}`} className={button} onClick={() => onRevoke(l.linkId)}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
