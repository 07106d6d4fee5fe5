"use client";

import { useState } from "react";
import type { Annotation } from "@orrery/protocol";

/** Pin a short comment to the step on screen; everyone watching the run sees it (and it is drawn on the charts). */
export function AnnotationPanel({
  runId,
  step,
  connected,
  annotations,
  onAnnotate,
}: {
  runId: string;
  step: number | null;
  connected: boolean;
  annotations: Annotation[];
  onAnnotate: (runId: string, step: number, text: string) => void;
}) {
  const [text, setText] = useState("");
  const send = () => {
    if (step === null || !text.trim()) return;
    onAnnotate(runId, step, text.trim());
    setText("");
  };
  return (
    <div className="flex flex-col gap-3 text-sm">
      <div className="flex gap-2">
        <input
          data-testid="annotate-text"
          className="min-w-0 flex-1 rounded-md border border-slate-700 bg-slate-900 px-2 py-1 text-xs text-slate-100"
          placeholder="a comment on this step, e.g. the plateau ends here"
          maxLength={500}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && send()}
        />
        <button
          data-testid="btn-annotate"
          className="rounded-md bg-slate-700 px-2.5 py-1 text-xs text-slate-100 hover:bg-slate-600 disabled:opacity-40"
          disabled={!connected || step === null || !text.trim()}
          onClick={send}
        >
          Pin to step {step ?? "—"}
        </button>
      </div>
      <ol data-testid="annotation-list" className="flex max-h-40 flex-col gap-1 overflow-y-auto text-xs text-slate-300">
        {annotations.length === 0 && <li className="text-slate-500">No comments yet.</li>}
        {annotations.map((a) => (
          <li key={a.seq}>
            <span className="font-mono text-sky-300">step {a.step}</span> · <span className="text-slate-400">{a.by}</span> · {a.text}
          </li>
        ))}
      </ol>
    </div>
  );
}
