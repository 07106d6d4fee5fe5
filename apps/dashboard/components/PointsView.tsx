"use client";

import { memo, useEffect, useMemo, useRef, useState } from "react";
import type { PointsProjection, TensorView } from "@orrery/protocol";
import { alignFrame } from "../lib/points/align.ts";
import type { Frame } from "../lib/points/frame.ts";
import { projectPoints, shapeOf, type PointsChoice } from "../lib/points/project.ts";
import type { TensorData } from "../lib/state/types.ts";
import { EmbeddingScatter } from "./EmbeddingScatter.tsx";
import { EmbeddingScatter3d } from "./EmbeddingScatter3d.tsx";

const PROJECTION_LABELS: Record<PointsProjection, string> = { pca: "PCA", fiedler: "Fiedler", raw: "raw dims" };

/**
 * A `points` view: the embedding in 2D or 3D along the chosen projection. Eigen-axes (PCA, Fiedler) are
 * aligned to the frame drawn before (live or scrubbed), so the cloud moves instead of mirroring.
 * Re-renders only when its tensors change, not on every metrics batch.
 */
export const PointsView = memo(function PointsView({
  view,
  raw,
  fiedler,
}: {
  view: TensorView;
  raw: TensorData | undefined;
  fiedler: TensorData | undefined;
}) {
  const [projection, setProjection] = useState<PointsProjection>(view.projection ?? "raw");
  const [dims, setDims] = useState<2 | 3>(2);
  const [columns, setColumns] = useState<number[]>([0, 1, 2]);
  const choice: PointsChoice = useMemo(() => ({ projection, dims, columns }), [projection, dims, columns]);
  const projected = useMemo(() => projectPoints(raw, fiedler, choice), [raw, fiedler, choice]);

  // The previous drawn frame belongs to one choice; a new choice starts from canonical signs.
  const previous = useRef<{ choice: PointsChoice; frame: Frame } | null>(null);
  const shown = useMemo(() => {
    if (!projected.ok) return null;
    if (!projected.alignable) return { frame: projected.frame, axes: projected.axes };
    const prev = previous.current?.choice === choice ? previous.current.frame : null;
    const a = alignFrame(prev, projected.frame);
    return { frame: a.frame, axes: a.order.map((c) => projected.axes[c]!) };
  }, [projected, choice]);
  useEffect(() => {
    if (shown) previous.current = { choice, frame: shown.frame };
  }, [shown, choice]);

  const d = raw ? shapeOf(raw).d : 0;
  const options: PointsProjection[] = view.fiedler ? ["pca", "fiedler", "raw"] : ["pca", "raw"];
  const select = "rounded border border-slate-700 bg-slate-900 px-1.5 py-0.5 text-[11px] text-slate-200";
  const toggle = (on: boolean) =>
    `px-2 py-0.5 text-[11px] ${on ? "bg-indigo-500/30 text-indigo-100" : "text-slate-400 hover:text-slate-200"}`;

  return (
    <figure data-testid="points-view" data-tensor={view.tensor} data-projection={projection} data-dims={dims} className="w-full min-w-[280px] max-w-[440px] flex-1">
      <figcaption className="mb-1 flex flex-wrap items-center gap-2 text-xs text-slate-400">
        <span className="mr-auto">{view.label}</span>
        <select
          data-testid="points-projection"
          aria-label="projection"
          className={select}
          value={projection}
          onChange={(e) => setProjection(e.target.value as PointsProjection)}
        >
          {options.map((o) => (
            <option key={o} value={o}>
              {PROJECTION_LABELS[o]}
            </option>
          ))}
        </select>
        {projection === "raw" &&
          Array.from({ length: dims }, (_, c) => (
            <select
              key={c}
              data-testid={`points-raw-${"xyz"[c]}`}
              aria-label={`column on ${"xyz"[c]}`}
              className={select}
              value={columns[c] ?? c}
              onChange={(e) => setColumns((cols) => cols.map((v, i) => (i === c ? Number(e.target.value) : v)))}
            >
              {Array.from({ length: Math.max(d, c + 1) }, (_, j) => (
                <option key={j} value={j}>
                  {"xyz"[c]}: {j < d ? `dim ${j}` : "—"}
                </option>
              ))}
            </select>
          ))}
        <span className="inline-flex overflow-hidden rounded border border-slate-700">
          <button type="button" data-testid="points-dims-2d" className={toggle(dims === 2)} onClick={() => setDims(2)}>
            2D
          </button>
          <button type="button" data-testid="points-dims-3d" className={toggle(dims === 3)} onClick={() => setDims(3)}>
            3D
          </button>
        </span>
      </figcaption>
      <div className="aspect-square w-full">
        {!projected.ok ? (
          <div data-testid="points-unavailable" className="flex h-full items-center justify-center rounded-md border border-slate-800 text-xs text-slate-500">
            {projected.reason}
          </div>
        ) : dims === 3 ? (
          <EmbeddingScatter3d points={toPoints3d(shown!.frame)} axes={shown!.axes} joined={view.cyclic ?? false} />
        ) : (
          <EmbeddingScatter frame={shown!.frame} axes={shown!.axes} joined={view.cyclic ?? false} />
        )}
      </div>
    </figure>
  );
});

const toPoints3d = (f: Frame) =>
  Array.from({ length: f.n }, (_, i) => ({
    i,
    x: f.data[i * f.k]!,
    y: f.k > 1 ? f.data[i * f.k + 1]! : 0,
    z: f.k > 2 ? f.data[i * f.k + 2]! : 0,
  }));
