"use client";

import { memo, useMemo } from "react";
import { matrixRows } from "../lib/state/selectors.ts";
import type { TensorData } from "../lib/state/types.ts";
import { Heatmap } from "./Heatmap.tsx";
import { MatrixView } from "./MatrixView.tsx";

const MAX_NUMBER_CELLS = 36;

/** Numbers for small matrices (e.g. W1, W2); a canvas heatmap once there are too many cells to read. */
export const MatrixFor = memo(function MatrixFor({ name, label, tensor }: { name: string; label: string; tensor: TensorData | undefined }) {
  const rows = useMemo(() => matrixRows(tensor), [tensor]);
  const cols = rows[0]?.length ?? 0;
  if (tensor && rows.length * cols > MAX_NUMBER_CELLS) {
    return <Heatmap name={name} label={label} data={tensor.data} rows={rows.length} cols={cols} />;
  }
  return <MatrixView name={name} label={label} rows={rows} />;
});
