import { decodeSnapshotFrame, encodeSnapshotFrame, type NamedTensor } from "@orrery/protocol";
import type { TrainerState } from "@orrery/experiments";
import type { StoredCheckpoint } from "@orrery/store";

const PARAM = "param/";
const OPTIMIZER = "optimizer/";

/** A trainer state as a stored checkpoint: tensors in one binary frame, the rest as JSON. */
export function encodeCheckpoint(runId: string, seq: number, state: TrainerState): StoredCheckpoint {
  const tensors: NamedTensor[] = [
    ...state.params.map((t) => ({ ...t, name: PARAM + t.name })),
    ...state.optimizer.map((t) => ({ ...t, name: OPTIMIZER + t.name })),
  ];
  return {
    seq,
    step: state.step,
    meta: JSON.stringify({ data: state.data, settings: state.settings }),
    bytes: encodeSnapshotFrame({ runId, seq, step: state.step, tensors }),
  };
}

export function decodeCheckpoint(stored: StoredCheckpoint): TrainerState {
  const frame = decodeSnapshotFrame(stored.bytes);
  const strip = (prefix: string) =>
    frame.tensors.filter((t) => t.name.startsWith(prefix)).map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
  const meta = JSON.parse(stored.meta) as Pick<TrainerState, "data" | "settings">;
  return { step: stored.step, params: strip(PARAM), optimizer: strip(OPTIMIZER), data: meta.data, ...(meta.settings && { settings: meta.settings }) };
}
