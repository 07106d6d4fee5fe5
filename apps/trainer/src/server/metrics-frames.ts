import type { MetricPoint } from "@orrery/protocol";

const KEEP = 256;

/**
 * `metrics` messages encoded once for all viewers. Every viewer of a run gets each point in the same fan-out and
 * flushes the same batch on the same tick, so the batch is stringified and UTF-8 encoded once, not once per viewer.
 * Within a process a run's metric points have distinct seqs and a batch holds every point of its seq range, so
 * (run, first seq, last seq, count) names its content.
 */
class MetricsFrames {
  private readonly frames = new Map<string, Buffer>();

  encode(runId: string, points: readonly MetricPoint[]): Buffer {
    const key = `${runId}\u0000${points[0]!.seq}\u0000${points[points.length - 1]!.seq}\u0000${points.length}`;
    let frame = this.frames.get(key);
    if (!frame) {
      frame = Buffer.from(JSON.stringify({ type: "metrics", runId, points }));
      this.frames.set(key, frame);
      if (this.frames.size > KEEP) this.frames.delete(this.frames.keys().next().value!);
    }
    return frame;
  }
}

export const metricsFrames = new MetricsFrames();
