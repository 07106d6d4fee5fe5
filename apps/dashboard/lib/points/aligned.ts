/**
 * A points view's projection with its axes aligned to the frame it produced before (so the cloud moves instead of
 * mirroring): projectPoints then alignFrame, remembering the last frame per choice. One job, no React and no DOM, so
 * it runs the same in the projection worker (projection-worker.ts) and, where there is no Worker, on the page.
 */
import { alignFrame } from "./align.ts";
import type { Frame } from "./frame.ts";
import { projectPoints, type PointsChoice } from "./project.ts";
import type { TensorData } from "../state/types.ts";

export type Shown = { ok: true; frame: Frame; axes: string[] } | { ok: false; reason: string };

export class AlignedProjector {
  /** The last frame produced and the choice it was produced for (a new choice starts from canonical signs). */
  private previous: { key: string; frame: Frame } | null = null;

  project(raw: TensorData | undefined, fiedler: TensorData | undefined, choice: PointsChoice): Shown {
    const projected = projectPoints(raw, fiedler, choice);
    if (!projected.ok) return projected;
    if (!projected.alignable) return { ok: true, frame: projected.frame, axes: projected.axes };
    const key = choiceKey(choice);
    const prev = this.previous?.key === key ? this.previous.frame : null;
    const a = alignFrame(prev, projected.frame);
    this.previous = { key, frame: a.frame };
    return { ok: true, frame: a.frame, axes: a.order.map((c) => projected.axes[c]!) };
  }
}

export const choiceKey = (c: PointsChoice) => `${c.projection}:${c.dims}:${c.columns.join(",")}`;
