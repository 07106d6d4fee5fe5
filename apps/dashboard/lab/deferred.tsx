"use client";

/**
 * The lab's views below the first screen (tensor views, the spectrum, the model probe, the sweep), each in a chunk of its own that
 * loads while the page opens instead of before it: the run page's first paint (its loss chart) then waits for less
 * JavaScript to be parsed and run (issue 6: a stored 1M-step run opens in < 1 s). Until its chunk is in, a view
 * renders nothing.
 */
import dynamic from "next/dynamic";

export const PointsView = dynamic(() => import("../components/PointsView.tsx").then((m) => m.PointsView), { ssr: false });
export const MatrixFor = dynamic(() => import("../components/MatrixFor.tsx").then((m) => m.MatrixFor), { ssr: false });
export const Bars = dynamic(() => import("../components/Bars.tsx").then((m) => m.Bars), { ssr: false });
export const SpectrumPanel = dynamic(() => import("./SpectrumPanel.tsx").then((m) => m.SpectrumPanel), { ssr: false });
export const InspectPanel = dynamic(() => import("./InspectPanel.tsx").then((m) => m.InspectPanel), { ssr: false });
export const SweepPanel = dynamic(() => import("../components/SweepPanel.tsx").then((m) => m.SweepPanel), { ssr: false });
