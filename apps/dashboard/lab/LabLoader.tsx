"use client";

import dynamic from "next/dynamic";

export const LabLoader = dynamic(() => import("./Lab.tsx").then((m) => m.Lab), {
  ssr: false,
  loading: () => <div className="p-6 text-sm text-slate-500">Loading Orrery…</div>,
});
