import * as tf from "@tensorflow/tfjs";
import { registerMemoryKernel, simdActive } from "../../training/memory-kernels.ts";
import { Triangle } from "../../training/simd/simd-kernels.ts";
import { crossEntropyLoss } from "../cross-entropy.ts";
import type { AttentionOnlyDims, AttentionOnlyTransformer } from "./attention-only.ts";
import { Carver } from "../../training/heap-carver.ts";
import { forwardOnHeap, forwardWorkspace, layerInputNames, readWeights } from "./attention-only-heap.ts";

/*
 * The attention-only transformer's next-token loss and its gradients as ONE memory kernel on wasm with Orrery's
 * SIMD kernels, instead of ~270 tfjs kernels whose dispatch, tape and 3-D layout changes cost several times the
 * arithmetic at the induction-heads defaults (d 32, T 32, batch 32). The forward pass is attention-only-heap.ts's;
 * the backward pass, per layer from the last (row vectors, sequence-major rows, per sequence s for attention):
 *   dlogits = (softmax − targets)/(B·(T − 1)); dU = xᵀ·dlogits, db_U = Σ_rows, dx = dlogits·Uᵀ
 *   dW_o = oᵀ·dx, db_o = Σ_rows dx, do = dx·W_oᵀ
 *   dP = do·vᵀ, dv = Pᵀ·do, dS = P ⊙ (dP − Σ_key P⊙dP), dq = rope⁻¹(dS·k), dk = rope⁻¹(dSᵀ·q)
 *   dW_q = hᵀ·dq (k, v alike), db_q = Σ_rows dq, dh = dq·W_qᵀ + dk·W_kᵀ + dv·W_vᵀ, dx += LN backward(dh)
 *   dE[token] += dx row by row.
 * Products by a transposed operand take it through gemm_strided's strides (Aᵀ) or an explicit SIMD transpose (Bᵀ).
 * Elsewhere (cpu, no SIMD, widths not a multiple of 4) induction-heads trains by autodiff of the tfjs forward pass.
 */
const NAME = "OrreryAttentionOnlyStep";

/** Whether the fused step runs here: wasm with SIMD, and d, T and V multiples of 4. */
export const attentionOnlyKernelAvailable = ({ V, d, T }: AttentionOnlyDims) => d % 4 === 0 && T % 4 === 0 && V % 4 === 0 && simdActive();

registerMemoryKernel(NAME, ({ inputs, attrs, read, simd }) => {
  const dims = attrs as unknown as AttentionOnlyDims;
  const { V, d, T, layers } = dims;
  const B = inputs.tokens!.shape[0]!;
  // The loss averages over this many sequences: the whole batch's, when these B are one shard of it.
  const sequences = (attrs.sequences as number | undefined) ?? B;
  const N = B * T;
  const carver = new Carver();
  const forward = forwardWorkspace(carver, dims, B);
  const take = carver.take.bind(carver);
  const parts = {
    targets: take(N * V),
    e: take(N * V),
    stats: take(N * 4),
    dlogits: take(N * V),
    dx: take(N * d),
    dout: take(N * d),
    dq: take(N * d),
    dk: take(N * d),
    dv: take(N * d),
    dh: take(N * d),
    dln: take(N * d),
    dp: take(T * T),
    vt: take(d * T),
    wt: take(d * d),
    ut: take(V * d),
  };
  return {
    // loss, dE, then dW, db, dln per layer, dU, db_U, and the scratch buffer
    shapes: [[], [V, d], ...Array.from({ length: layers }, () => [[4, d, d], [4, d], [2, d]]).flat(), [d, V], [V], [carver.size]],
    compute(outs) {
      if (!simd || d % 4 !== 0 || T % 4 !== 0 || V % 4 !== 0) throw new Error(`${NAME} needs wasm SIMD and d, T, V multiples of 4`);
      const [loss, dE] = [outs[0]!, outs[1]!];
      const grads = Array.from({ length: layers }, (_, l) => ({ W: outs[2 + 3 * l]!, b: outs[3 + 3 * l]!, ln: outs[4 + 3 * l]! }));
      const [dU, dbU, scratch] = outs.slice(2 + 3 * layers) as [Float32Array, Float32Array, Float32Array];
      carver.use(scratch);
      const w = readWeights(inputs, read, layers);
      const ws = forward();
      const s = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f()])) as { [K in keyof typeof parts]: Float32Array };
      const at = (x: Float32Array) => x.byteOffset;

      forwardOnHeap(simd, dims, B, w, ws);
      // Next-token targets: row s·T + t is token t + 1's one-hot; the last position has none.
      s.targets.fill(0);
      for (let q = 0; q < B; q++) for (let t = 0; t + 1 < T; t++) s.targets[(q * T + t) * V + w.tokens[q * T + t + 1]!] = 1;
      simd.ce_forward(at(ws.logits), at(s.targets), at(s.e), at(s.stats), N, V);
      const scale = 1 / (sequences * (T - 1));
      loss[0] = crossEntropyLoss(s.stats, N, scale);

      // Unembedding.
      simd.ce_backward(at(s.e), at(s.targets), at(s.stats), at(s.dlogits), N, V, scale);
      simd.gemm_strided(at(ws.x), at(s.dlogits), at(dU), d, N, V, 1, d, V, V, 0, Triangle.none);
      simd.column_sums(at(s.dlogits), at(dbU), N, V);
      simd.transpose(at(w.U), at(s.ut), d, V);
      simd.gemm(at(s.dlogits), at(s.ut), at(s.dx), N, V, d);

      const block = T * d * 4;
      const square = T * T * 4;
      // dP's blocks above the diagonal are never written (Triangle.lowerC) but read, times P = 0, by softmax_backward.
      s.dp.fill(0);
      for (let l = layers - 1; l >= 0; l--) {
        const a = ws.layers[l]!;
        const { W, ln } = w.layers[l]!;
        const g = grads[l]!;
        const weight = (j: number) => at(W) + j * d * d * 4;
        // The output projection.
        simd.column_sums(at(s.dx), at(g.b) + 3 * d * 4, N, d);
        simd.gemm_strided(at(a.o), at(s.dx), at(g.W) + 3 * d * d * 4, d, N, d, 1, d, d, d, 0, Triangle.none);
        simd.transpose(weight(3), at(s.wt), d, d);
        simd.gemm(at(s.dx), at(s.wt), at(s.dout), N, d, d);
        // Attention, sequence by sequence.
        for (let q = 0; q < B; q++) {
          const [rows, p] = [q * block, at(a.p) + q * square];
          simd.transpose(at(a.v) + rows, at(s.vt), T, d);
          simd.gemm_strided(at(s.dout) + rows, at(s.vt), at(s.dp), T, d, T, d, 1, T, T, 0, Triangle.lowerC);
          simd.gemm_strided(p, at(s.dout) + rows, at(s.dv) + rows, T, T, d, 1, T, d, d, 0, Triangle.upperA);
          simd.softmax_backward(p, at(s.dp), at(s.dp), T, T);
          simd.gemm_strided(at(s.dp), at(a.k) + rows, at(s.dq) + rows, T, T, d, T, 1, d, d, 0, Triangle.lowerA);
          simd.gemm_strided(at(s.dp), at(a.q) + rows, at(s.dk) + rows, T, T, d, 1, T, d, d, 0, Triangle.upperA);
          simd.rotate_pairs(at(s.dq) + rows, at(ws.cosQ), at(ws.sinQ), at(s.dq) + rows, T * d, 1);
          simd.rotate_pairs(at(s.dk) + rows, at(ws.cos), at(ws.sin), at(s.dk) + rows, T * d, 1);
        }
        // The q, k, v projections and the LayerNorm before them.
        [s.dq, s.dk, s.dv].forEach((dy, j) => {
          simd.column_sums(at(dy), at(g.b) + j * d * 4, N, d);
          simd.gemm_strided(at(a.h), at(dy), at(g.W) + j * d * d * 4, d, N, d, 1, d, d, d, 0, Triangle.none);
          simd.transpose(weight(j), at(s.wt), d, d);
          simd.gemm_strided(at(dy), at(s.wt), at(s.dh), N, d, d, d, 1, d, d, j === 0 ? 0 : 1, Triangle.none);
        });
        g.ln.fill(0); // accumulated into
        simd.ln_backward(at(s.dh), at(a.xh), at(a.inv), at(ln), at(s.dln), at(g.ln), at(g.ln) + d * 4, N, d);
        simd.add_to(at(s.dln), at(s.dx), N * d);
      }
      // The embedding: a gather forward, so a scatter-add back.
      dE.fill(0);
      simd.scatter_add_rows(at(s.dx), at(w.tokens), at(dE), N, d);
    },
  };
});

/** Kernel inputs: the tokens (as floats, [B, T]) and the model's parameters. */
export function kernelInputs(model: AttentionOnlyTransformer, tokens: tf.Tensor2D): Record<string, tf.Tensor> {
  const { E, U, bU, layers } = model.params;
  const inputs: Record<string, tf.Tensor> = { tokens, E, U, bU };
  layerInputNames(layers.length).forEach(([W, b, ln], l) => Object.assign(inputs, { [W]: layers[l]!.W, [b]: layers[l]!.b, [ln]: layers[l]!.ln }));
  return inputs;
}

/**
 * The next-token loss of B sequences (`tokens` [B, T], sequence-major), averaged as over `sequences` (B, or the
 * whole batch when these are one shard of it), and its gradients by group (the model's groups() names); where
 * attentionOnlyKernelAvailable.
 */
export function attentionOnlyWithGradients(model: AttentionOnlyTransformer, tokens: tf.Tensor2D, sequences = tokens.shape[0]): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const outs = tf.engine().runKernel(NAME, kernelInputs(model, tokens), { ...model.dims, sequences }) as unknown as tf.Tensor[];
  const layers = model.dims.layers;
  tf.dispose(outs[outs.length - 1]!);
  const grads: Record<string, tf.Tensor> = { E: outs[1]! };
  for (let l = 0; l < layers; l++) Object.assign(grads, { [`W_qkvo${l + 1}`]: outs[2 + 3 * l]!, [`b_qkvo${l + 1}`]: outs[3 + 3 * l]!, [`ln${l + 1}`]: outs[4 + 3 * l]! });
  Object.assign(grads, { U: outs[2 + 3 * layers]!, b_U: outs[3 + 3 * layers]! });
  return { loss: outs[0] as tf.Scalar, grads };
}
