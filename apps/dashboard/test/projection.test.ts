import { test } from "node:test";
import assert from "node:assert/strict";
import { AlignedProjector, type Shown } from "../lib/points/aligned.ts";
import type { PointsChoice } from "../lib/points/project.ts";
import { ProjectionClient, type ProjectionJob, type ProjectionReply, type WorkerLike } from "../lib/points/projection-client.ts";
import type { TensorData } from "../lib/state/types.ts";

const PCA: PointsChoice = { projection: "pca", dims: 2, columns: [0, 1] };

/** n points on an ellipse in 3-d, turned by `angle` in the plane of its first two axes. */
function ellipse(n: number, angle: number): TensorData {
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    const x = 3 * Math.cos(t);
    const y = Math.sin(t);
    data[i * 3] = x * Math.cos(angle) - y * Math.sin(angle);
    data[i * 3 + 1] = x * Math.sin(angle) + y * Math.cos(angle);
    data[i * 3 + 2] = 0.01 * (i % 3);
  }
  return { shape: [n, 3], data };
}

/** A worker run by hand: jobs wait until `answer()`; each is projected as the real worker does. */
class FakeWorker implements WorkerLike {
  onmessage: WorkerLike["onmessage"] = null;
  onerror: WorkerLike["onerror"] = null;
  jobs: { job: ProjectionJob; transfer: Transferable[] }[] = [];
  private readonly projector = new AlignedProjector();
  terminated = false;
  postMessage(job: ProjectionJob, transfer: Transferable[]) {
    this.jobs.push({ job: structuredClone(job), transfer });
  }
  terminate() {
    this.terminated = true;
  }
  answer() {
    const { job } = this.jobs.shift()!;
    const reply: ProjectionReply = { id: job.id, shown: this.projector.project(job.raw, job.fiedler, job.choice) };
    this.onmessage?.({ data: reply });
  }
}

test("one job out at a time; snapshots arriving meanwhile replace the one waiting (the newest is projected next)", () => {
  const worker = new FakeWorker();
  const got: Shown[] = [];
  const client = new ProjectionClient((s) => got.push(s), worker);
  const frames = [0, 0.1, 0.2, 0.3].map((a) => ellipse(50, a));
  for (const f of frames) client.request(f, undefined, PCA);
  assert.equal(worker.jobs.length, 1, "the first goes out; the rest wait");
  assert.equal(worker.jobs[0]!.job.raw!.data[0], frames[0]!.data[0]);
  worker.answer();
  assert.equal(got.length, 1);
  assert.equal(worker.jobs.length, 1, "then only the newest of the three that came meanwhile");
  assert.deepEqual(Array.from(worker.jobs[0]!.job.raw!.data), Array.from(frames[3]!.data));
  worker.answer();
  assert.equal(got.length, 2);
  assert.equal(worker.jobs.length, 0);
  client.close();
  assert.ok(worker.terminated);
});

test("the job's tensors are copies, transferred: the page's own stay intact", () => {
  const worker = new FakeWorker();
  const client = new ProjectionClient(() => {}, worker);
  const raw = ellipse(20, 0);
  client.request(raw, undefined, PCA);
  const { job, transfer } = worker.jobs[0]!;
  assert.equal(transfer.length, 1);
  assert.notEqual(transfer[0], raw.data.buffer);
  assert.equal(raw.data.length, 60, "not detached");
  assert.deepEqual(Array.from(job.raw!.data), Array.from(raw.data));
});

test("answers are the in-place projection, aligned to the frame before (no flips between close snapshots)", () => {
  const worker = new FakeWorker();
  const viaWorker: Shown[] = [];
  const client = new ProjectionClient((s) => viaWorker.push(s), worker);
  const local = new AlignedProjector();
  const inPlace: Shown[] = [];
  for (let a = 0; a < 1; a += 0.05) {
    const f = ellipse(40, a);
    client.request(f, undefined, PCA);
    worker.answer();
    inPlace.push(local.project(f, undefined, PCA));
  }
  assert.deepEqual(viaWorker, inPlace);
  for (let i = 1; i < inPlace.length; i++) {
    const [a, b] = [inPlace[i - 1]!, inPlace[i]!];
    assert.ok(a.ok && b.ok);
    // Consecutive frames turned a little: every point moves a little, none jumps to its mirror image.
    let far = 0;
    for (let j = 0; j < a.frame.data.length; j++) far = Math.max(far, Math.abs(a.frame.data[j]! - b.frame.data[j]!));
    assert.ok(far < 0.5, `frame ${i} moved ${far}`);
  }
});

test("without a Worker the projection runs in place, at once; a failing worker hands its jobs to the page", () => {
  const got: Shown[] = [];
  const inPlace = new ProjectionClient((s) => got.push(s), null);
  inPlace.request(ellipse(10, 0), undefined, PCA);
  assert.equal(got.length, 1);
  assert.ok(got[0]!.ok);
  inPlace.request(undefined, undefined, PCA);
  assert.deepEqual(got[1], { ok: false, reason: "no embedding in this snapshot yet" });

  const worker = new FakeWorker();
  const after: Shown[] = [];
  const client = new ProjectionClient((s) => after.push(s), worker);
  client.request(ellipse(10, 0), undefined, PCA);
  worker.onerror?.(new Error("blocked"));
  assert.ok(worker.terminated);
  assert.equal(after.length, 1, "the job that was out is projected on the page");
  client.request(ellipse(10, 0.1), undefined, PCA);
  assert.equal(after.length, 2);
  assert.equal(worker.jobs.length, 1, "nothing more goes to the failed worker");
});
