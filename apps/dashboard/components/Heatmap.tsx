"use client";

import { useEffect, useRef, useState } from "react";
import * as d3 from "d3";

const MAX_SIDE = 320;

/**
 * A matrix too large for numbers, as coloured cells on a canvas (SVG would need one node per cell):
 * diverging red/blue around 0, symmetric in the largest |value|; hovering shows the cell.
 */
export function Heatmap({ name, label, data, rows, cols }: { name: string; label: string; data: Float32Array; rows: number; cols: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ r: number; c: number } | null>(null);
  let scale = 0;
  for (const v of data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));

  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    const image = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const v = data[i]!;
      const rgb = d3.rgb(Number.isFinite(v) ? d3.interpolateRdBu(0.5 - v / (2 * (scale || 1))) : "#000");
      image.data.set([rgb.r, rgb.g, rgb.b, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }, [data, rows, cols, scale]);

  const value = hover ? data[hover.r * cols + hover.c] : undefined;
  // Square cells, the whole matrix within MAX_SIDE × MAX_SIDE pixels.
  const cell = MAX_SIDE / Math.max(rows, cols);
  return (
    <figure className="flex flex-col gap-1">
      <figcaption className="text-xs text-slate-400">
        {label} <span className="text-slate-600">[{rows}×{cols}] ±{scale.toPrecision(3)}</span>
      </figcaption>
      <canvas
        ref={canvas}
        data-testid={`heatmap-${name}`}
        width={cols}
        height={rows}
        className="rounded border border-slate-800"
        style={{ imageRendering: "pixelated", width: cols * cell, height: rows * cell }}
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const c = Math.floor(((e.clientX - box.left) / box.width) * cols);
          const r = Math.floor(((e.clientY - box.top) / box.height) * rows);
          setHover(r >= 0 && r < rows && c >= 0 && c < cols ? { r, c } : null);
        }}
        onMouseLeave={() => setHover(null)}
      />
      <div className="h-4 font-mono text-xs text-slate-500">
        {hover && value !== undefined ? `[${hover.r}, ${hover.c}] = ${value.toPrecision(4)}` : ""}
      </div>
    </figure>
  );
}
