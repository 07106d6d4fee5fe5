import * as tf from "@tensorflow/tfjs";
import { registerMemoryKernel } from "../../training/memory-kernels.ts";
import { crossEntropyLoss } from "../cross-entropy.ts";
import type { AttentionOnlyDims, AttentionOnlyTransformer } from "./attention-only.ts";
import { Carver } from "../../training/heap-carver.ts";
import { forwardOnHeap, forwardWorkspace, readWeights } from "./attention-only-heap.ts";
import { kernelInputs } from "./attention-only-kernel.ts";

/*
 * The attention-only transformer's evaluation on fixed test sequences as ONE memory kernel on wasm with SIMD
 * (attention-only-heap.ts's forward pass), instead of the tfjs forward pass and its read-outs: the mean next-token
 * loss, each position's argmax prediction, and the first and last layers' attention. The sequences go through in
 * chunks of CHUNK, so that the workspace stays the size of a training step's (hundreds of test sequences at once
 * would take tens of MB of the wasm heap). Where it runs: attentionOnlyKernelAvailable (attention-only-kernel.ts).
 */
const NAME = "OrreryAttentionOnlyForward";
const CHUNK = 32;

registerMemoryKernel(NAME, ({ inputs, attrs, read, simd }) => {
  const dims = attrs as unknown as AttentionOnlyDims;
  const { V, d, T, layers } = dims;
  const n = inputs.tokens!.shape[0]!;
  const B = Math.min(n, CHUNK);
  const carver = new Carver();
  const forward = forwardWorkspace(carver, dims, B);
  const [targetsPart, ePart, statsPart] = [carver.take(B * T * V), carver.take(B * T * V), carver.take(B * T * 4)];
  return {
    // loss, predictions [n, T], the first and last layers' attention [n, T, T] (all sequence-major), scratch
    shapes: [[], [n, T], [n, T, T], [n, T, T], [carver.size]],
    compute([loss, predictions, first, last, scratch]) {
      if (!simd || d % 4 !== 0 || T % 4 !== 0 || V % 4 !== 0) throw new Error(`${NAME} needs wasm SIMD and d, T, V multiples of 4`);
      carver.use(scratch!);
      const w = readWeights(inputs, read, layers);
      const ws = forward();
      const [targets, e, stats] = [targetsPart(), ePart(), statsPart()];
      const at = (x: Float32Array) => x.byteOffset;
      let total = 0;
      for (let s0 = 0; s0 < n; s0 += B) {
        const b = Math.min(B, n - s0);
        const tokens = w.tokens.subarray(s0 * T, (s0 + b) * T);
        forwardOnHeap(simd, dims, b, { ...w, tokens }, ws);
        targets.fill(0);
        for (let q = 0; q < b; q++) for (let t = 0; t + 1 < T; t++) targets[(q * T + t) * V + tokens[q * T + t + 1]!] = 1;
        simd.ce_forward(at(ws.logits), at(targets), at(e), at(stats), b * T, V);
        total += crossEntropyLoss(stats, b * T, 1);
        const z = ws.logits;
        for (let r = 0, o = 0; r < b * T; r++, o += V) {
          let best = 0;
          let max = z[o]!;
          for (let j = 1; j < V; j++) {
            if (z[o + j]! > max) {
              best = j;
              max = z[o + j]!;
            }
          }
          predictions![s0 * T + r] = best; // the first of equal maxima, as tf.argMax
        }
        first!.set(ws.layers[0]!.p.subarray(0, b * T * T), s0 * T * T);
        last!.set(ws.layers[layers - 1]!.p.subarray(0, b * T * T), s0 * T * T);
      }
      loss![0] = total / (n * (T - 1));
    },
  };
});

export interface AttentionOnlyEvaluation {
  /** Mean cross-entropy over the n·(T − 1) next-token positions. */
  loss: number;
  /** Argmax of the logits at each position, sequence-major [n·T]. */
  predictions: Int32Array;
  /** The first and last layers' attention, [n, T, T] sequence-major (sequence, query, key). */
  first: Float32Array;
  last: Float32Array;
}

/** Evaluates the model on n sequences (`tokens` [n, T] as floats, sequence-major); where attentionOnlyKernelAvailable. */
export function evaluateAttentionOnly(model: AttentionOnlyTransformer, tokens: tf.Tensor2D): AttentionOnlyEvaluation {
  const outs = tf.engine().runKernel(NAME, kernelInputs(model, tokens), { ...model.dims }) as unknown as tf.Tensor[];
  const [loss, predictions, first, last] = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return { loss: loss![0]!, predictions: Int32Array.from(predictions!), first: first!, last: last! };
}
