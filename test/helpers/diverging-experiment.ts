import * as tf from "@tensorflow/tfjs";
import { commonFields, resolveFields, type CommonConfig, type Experiment } from "@orrery/experiments";

/** A test experiment whose loss turns NaN at step `nan_at`: exercises the daemon's auto-pause. */
const fields = [
  { key: "nan_at", label: "NaN at step", kind: "number" as const, default: 20, min: 1, integer: true },
  ...commonFields({ steps: 1000, lr: 0.01 }),
];

export const divergingExperiment: Experiment<CommonConfig & { nan_at: number }> = {
  info: {
    id: "diverging",
    title: "Diverges on purpose",
    description: "test only",
    fields,
    metrics: [{ key: "loss", label: "Loss" }],
    views: [],
  },
  resolveConfig: (partial) => resolveFields(fields, partial) as unknown as CommonConfig & { nan_at: number },
  create(config) {
    const w = tf.variable(tf.ones([2]), true);
    let calls = 0;
    return {
      params: { w },
      frozen: [],
      loss: () => (++calls >= config.nan_at ? tf.mul(tf.sum(w), NaN) : tf.sum(tf.square(w))) as tf.Scalar,
      metrics: (loss) => ({ loss }),
      snapshot: () => [{ name: "w", shape: [2], data: Float32Array.from(w.dataSync()) }],
      dispose: () => w.dispose(),
    };
  },
};

/** A test experiment whose model cannot be built: a failed start must leave nothing behind. */
export const unbuildableExperiment: Experiment = {
  info: { ...divergingExperiment.info, id: "unbuildable", title: "Cannot be built" },
  resolveConfig: (partial) => resolveFields(commonFields({ steps: 10, lr: 0.1 }), partial) as unknown as CommonConfig,
  create() {
    throw new Error("model too large for this machine");
  },
};
