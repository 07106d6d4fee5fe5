/**
 * Hands a points view's snapshots to its projection worker, newest first: while one job is out, later snapshots
 * only replace the one waiting, so a burst of frames costs one projection, not a queue of stale ones. Each
 * snapshot's tensors are copied into the job (the page's copies stay in its state for the other views) and the
 * copies transferred, not cloned. Where there is no Worker (tests, old browsers) the projection runs in place.
 */
import { AlignedProjector, type Shown } from "./aligned.ts";
import type { PointsChoice } from "./project.ts";
import type { TensorData } from "../state/types.ts";

export interface ProjectionJob {
  id: number;
  raw: TensorData | undefined;
  fiedler: TensorData | undefined;
  choice: PointsChoice;
}

export interface ProjectionReply {
  id: number;
  shown: Shown;
}

/** The slice of a Worker this client uses (so tests can hand in a fake). */
export interface WorkerLike {
  onmessage: ((e: { data: ProjectionReply }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  postMessage(message: ProjectionJob, transfer: Transferable[]): void;
  terminate(): void;
}

export class ProjectionClient {
  private next = 1;
  private busy = false;
  private waiting: ProjectionJob | null = null;
  /** The job out with the worker, as the page holds it (what the page projects itself if the worker fails). */
  private inFlight: Omit<ProjectionJob, "id"> | null = null;
  private local: AlignedProjector | null = null;

  /** `deliver` gets each answer, in order (never an older one after a newer). */
  constructor(
    private readonly deliver: (shown: Shown) => void,
    private worker: WorkerLike | null = startWorker(),
  ) {
    if (this.worker) {
      this.worker.onmessage = (e) => this.answered(e.data);
      // A worker that fails (e.g. blocked) leaves the job to the page.
      this.worker.onerror = () => this.fallBack();
    } else this.local = new AlignedProjector();
  }

  request(raw: TensorData | undefined, fiedler: TensorData | undefined, choice: PointsChoice): void {
    if (this.local) {
      this.deliver(this.local.project(raw, fiedler, choice));
      return;
    }
    const job: ProjectionJob = { id: this.next++, raw, fiedler, choice };
    if (this.busy) this.waiting = job;
    else this.send(job);
  }

  close(): void {
    this.worker?.terminate();
    this.worker = null;
    this.waiting = null;
  }

  private send(job: ProjectionJob): void {
    this.busy = true;
    this.inFlight = job;
    const out = { ...job, raw: job.raw && copy(job.raw), fiedler: job.fiedler && copy(job.fiedler) };
    const transfer = [out.raw?.data.buffer, out.fiedler?.data.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    this.worker!.postMessage(out, transfer);
  }

  private answered(reply: ProjectionReply): void {
    this.busy = false;
    this.inFlight = null;
    this.deliver(reply.shown);
    const job = this.waiting;
    this.waiting = null;
    if (job && this.worker) this.send(job);
  }

  private fallBack(): void {
    this.worker?.terminate();
    this.worker = null;
    this.busy = false;
    this.local = new AlignedProjector();
    const job = this.waiting ?? this.inFlight;
    this.waiting = this.inFlight = null;
    if (job) this.deliver(this.local.project(job.raw, job.fiedler, job.choice));
  }
}

/** A private copy of the tensor (its own buffer, to transfer). */
function copy(t: TensorData): TensorData {
  return { ...t, data: t.data.slice() };
}

function startWorker(): WorkerLike | null {
  if (typeof Worker === "undefined") return null;
  try {
    return new Worker(new URL("./projection-worker.ts", import.meta.url), { type: "module" }) as unknown as WorkerLike;
  } catch {
    return null;
  }
}
