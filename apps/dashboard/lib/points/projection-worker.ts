/// <reference lib="webworker" />
/**
 * The projection worker: PCA (or Fiedler / raw columns) and alignment of one points view's snapshots, off the page's
 * main thread, which then only draws (issue 6: a live 20,001-point scatter redraws ≥ 30 new snapshots/s; PCA of
 * 20,001×32 costs ~37 ms a frame). One worker per view; it answers each job with the aligned frame, its buffer
 * transferred. The page sends only the newest snapshot once the previous answer is back (projection-client.ts).
 */
import { AlignedProjector } from "./aligned.ts";
import type { ProjectionJob, ProjectionReply } from "./projection-client.ts";

const projector = new AlignedProjector();

self.onmessage = (e: MessageEvent<ProjectionJob>) => {
  const { id, raw, fiedler, choice } = e.data;
  const shown = projector.project(raw, fiedler, choice);
  const reply: ProjectionReply = { id, shown };
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, shown.ok ? [shown.frame.data.buffer] : []);
};
