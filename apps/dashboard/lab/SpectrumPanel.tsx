"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { SpectrumChart } from "../components/SpectrumChart.tsx";
import { spectrumTensors } from "../lib/state/spectrum.ts";
import type { SpectrumView, TensorData } from "../lib/state/types.ts";

const MAX_POINTS = 200;
/** A fast run stores a snapshot every few hundred ms; the spectrum is re-asked at most this often. */
const REFRESH_MS = 2000;

/**
 * Container for the singular-value spectrum of a chosen snapshot matrix over the run's stored snapshots: asks
 * the daemon when the run, the tensor or the number of snapshots changes (throttled), shows the matching answer.
 */
export function SpectrumPanel({
  runId,
  tensors,
  snapshotCount,
  spectrum,
  fetch,
}: {
  runId: string;
  tensors: Record<string, TensorData> | undefined;
  snapshotCount: number;
  spectrum: SpectrumView | null;
  fetch: (runId: string, tensor: string, maxPoints: number) => void;
}) {
  const names = useMemo(() => spectrumTensors(tensors), [tensors]);
  const key = names.join(",");
  const [chosen, setChosen] = useState<string | null>(null);
  const tensor = chosen && names.includes(chosen) ? chosen : (names.includes("E") ? "E" : (names[0] ?? null));

  const last = useRef({ at: 0, what: "" });
  useEffect(() => {
    if (!tensor || snapshotCount === 0) return;
    const what = `${runId}\u0000${tensor}`;
    // A new run or tensor is asked for at once; more snapshots of the same one at most every REFRESH_MS.
    const wait = last.current.what === what ? last.current.at + REFRESH_MS - Date.now() : 0;
    const ask = () => {
      last.current = { at: Date.now(), what };
      fetch(runId, tensor, MAX_POINTS);
    };
    if (wait <= 0) return void ask();
    const t = setTimeout(ask, wait);
    return () => clearTimeout(t);
  }, [runId, tensor, snapshotCount, fetch, key]);

  const shown = spectrum && spectrum.runId === runId && spectrum.tensor === tensor ? spectrum : null;
  return <SpectrumChart tensors={names} tensor={tensor} onTensor={setChosen} spectrum={shown} />;
}
