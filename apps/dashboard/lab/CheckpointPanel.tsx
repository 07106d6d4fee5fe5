"use client";

import { useEffect, useState } from "react";
import type { CheckpointEntry, CheckpointRef, Intervention } from "@orrery/protocol";
import { httpBase } from "../lib/reports.ts";

const button = "rounded-md bg-slate-700 px-2.5 py-1 text-xs text-slate-100 hover:bg-slate-600 disabled:opacity-40";

/**
 * Named checkpoints (.safetensors): save the run's state under a name, download it (PyTorch reads it with the
 * `safetensors` library), upload one, inject one into this run (a logged intervention) or fork a new run from it.
 */
export function CheckpointPanel({
  runId,
  live,
  checkpoints,
  daemonUrl,
  token,
  onSave,
  onInject,
  onFork,
  onNeedList,
  forkStep,
}: {
  runId: string;
  live: boolean;
  checkpoints: CheckpointEntry[];
  daemonUrl: string;
  token: string;
  onSave: (runId: string, name: string) => void;
  onInject: (runId: string, intervention: Intervention) => void;
  onFork: (from: CheckpointRef | { runId: string; step: number }) => void;
  onNeedList: () => void;
  /** The step the views show (pinned by the scrubber, or the latest snapshot): "fork here" re-executes up to it. */
  forkStep: number | null;
}) {
  const [name, setName] = useState("");
  const [uploadProblem, setUploadProblem] = useState<string | null>(null);
  /** Inject only these groups (comma-separated); empty: the whole state. */
  const [groups, setGroups] = useState("");
  const selected = groups.split(/[\s,]+/).filter(Boolean);
  useEffect(() => onNeedList(), [runId, onNeedList]);
  const http = httpBase(daemonUrl);
  const href = (c: CheckpointRef) => `${http}/checkpoints/${encodeURIComponent(c.runId)}/${encodeURIComponent(c.name)}.safetensors?token=${encodeURIComponent(token)}`;
  const shown = checkpoints.filter((c) => c.runId === runId || c.runId === "uploads");

  const upload = async (file: File) => {
    setUploadProblem(null);
    const base = file.name.replace(/\.safetensors$/, "").replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64) || "upload";
    const res = await fetch(href({ runId: "uploads", name: base }), { method: "PUT", body: await file.arrayBuffer() }).catch((e: Error) => e);
    if (res instanceof Error) setUploadProblem(res.message);
    else if (!res.ok) setUploadProblem(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `upload failed (${res.status})`);
    onNeedList();
  };

  return (
    <div className="flex flex-col gap-3 text-sm" data-testid="checkpoint-panel">
      <div className="flex flex-wrap items-center gap-2">
        <input
          data-testid="ckpt-name"
          className="w-48 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100"
          placeholder="name, e.g. before-freeze"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button data-testid="btn-save-ckpt" className={button} disabled={!live || !name.trim()} onClick={() => onSave(runId, name.trim())}>
          Save checkpoint
        </button>
        {forkStep !== null && (
          <button
            data-testid="btn-fork-step"
            className={button}
            title="A new run re-executed from this run's config and intervention log up to this step, then paused"
            onClick={() => onFork({ runId, step: forkStep })}
          >
            Fork at step {forkStep}
          </button>
        )}
        <label className={`${button} cursor-pointer`}>
          Upload .safetensors
          <input type="file" accept=".safetensors" className="hidden" onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} />
        </label>
      </div>
      <label className="flex items-center gap-2 text-xs text-slate-400">
        Inject only groups
        <input
          data-testid="inject-groups"
          className="w-40 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100"
          placeholder="all (e.g. W1, W2)"
          value={groups}
          onChange={(e) => setGroups(e.target.value)}
        />
      </label>
      {uploadProblem && (
        <p className="text-xs text-rose-300" role="alert">
          {uploadProblem}
        </p>
      )}
      <ul data-testid="ckpt-list" className="flex flex-col gap-1 font-mono text-xs text-slate-300">
        {shown.length === 0 && <li className="text-slate-500">No checkpoints of this run yet.</li>}
        {shown.map((c) => (
          <li key={`${c.runId}/${c.name}`} className="flex flex-wrap items-center gap-2">
            <span className="text-slate-100">{c.name}</span>
            <span className="text-slate-500">
              {c.runId === "uploads" ? "upload" : "this run"} · step {c.step ?? "?"} · {(c.bytes / 1024).toFixed(1)} KiB
            </span>
            <a className="text-sky-300 hover:underline" href={href(c)} download={`${c.name}.safetensors`}>
              download
            </a>
            <button
              data-testid={`btn-inject-${c.name}`}
              className={button}
              disabled={!live}
              title={selected.length ? `Load ${selected.join(", ")} from this checkpoint` : "Load the whole state (parameters, optimizer, data stream)"}
              onClick={() => onInject(runId, { kind: "inject", from: { runId: c.runId, name: c.name }, ...(selected.length && { groups: selected }) })}
            >
              Inject{selected.length ? ` ${selected.join(", ")}` : ""}
            </button>
            <button data-testid={`btn-fork-${c.name}`} className={button} disabled={c.step === null} onClick={() => onFork({ runId: c.runId, name: c.name })}>
              Fork
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
