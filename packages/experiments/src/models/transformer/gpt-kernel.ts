import * as tf from "@tensorflow/tfjs";
import { registerMemoryKernel, simdActive } from "../../training/memory-kernels.ts";
import { Triangle, type SimdKernels } from "../../training/simd/simd-kernels.ts";
import { crossEntropyLoss } from "../cross-entropy.ts";
import { Carver } from "../../training/heap-carver.ts";
import type { Gpt, GptDims } from "./gpt.ts";

/*
 * The GPT's loss and gradients on one batch part (n sequences cut to `length` positions, logits from position
 * `from` on: graph-transformer's live parts) as ONE memory kernel on wasm with Orrery's SIMD kernels, instead of
 * ~350 tfjs kernels per part whose dispatch and tape cost as much as the arithmetic at graph-transformer's size.
 * Rows are time-major (t·n + s) as in gpt.ts. Per block (pre-LN, row vectors):
 *   forward  h = LN₁(x); q, k, v = h·W + b; per sequence and head P = causal softmax(q·kᵀ/√dh), o = P·v;
 *            x += o·W_o + b_o; (MLP) a = LN₂(x)·W_in + b_in, x += GELU(a)·W_out + b_out
 *   backward dW = inputᵀ·dy, db = Σ_rows dy, d input = dy·Wᵀ; dP = do·vᵀ, dv = Pᵀ·do, dS = P ⊙ (dP − Σ P⊙dP),
 *            dq = dS·k/√dh, dk = dSᵀ·q/√dh; LayerNorm and GELU by their SIMD backward kernels
 * then the final LN on the logit rows, logits = out·Eᵀ (tied head), the cross-entropy; dE gets the head's
 * dlogitsᵀ·out and the embedding's rows. Products run as SIMD GEMMs on the heap; attention, over at most T ≤ 16
 * keys per query here, in JS. Needs a tied head and d a multiple of 4; elsewhere the tfjs path (gpt.ts) runs.
 */
const NAME = "OrreryGptStep";

/** Whether the fused step runs here for these dims. */
export const gptKernelAvailable = ({ d, tied }: GptDims) => tied && d % 4 === 0 && simdActive();

interface PartAttrs {
  dims: GptDims;
  n: number;
  length: number;
  from: number;
  /** The loss's divisor (every target of the whole batch). */
  count: number;
  /** Only the forward pass: the kernel's one output (besides scratch) is the logits [(length − from)·n, V]. */
  forwardOnly?: boolean;
}

const blockInputs = (l: number) => [`attn${l}`, `attn_b${l}`, `ln${l}`, `mlp_in${l}`, `mlp_in_b${l}`, `mlp_out${l}`, `mlp_out_b${l}`] as const;

registerMemoryKernel(NAME, ({ inputs, attrs, read, simd }) => {
  const { dims, n, length: L, from, count, forwardOnly = false } = attrs as unknown as PartAttrs;
  const { V, T, d, heads, layers, mlp } = dims;
  const R = L * n;
  const Rl = (L - from) * n;
  const H = 4 * d;
  // The head's products run over V padded to a multiple of 4 (gemm's vector width): zero rows of E, whose logits
  // are then set to −1e30 so that they add nothing to the softmax.
  const Vp = Math.ceil(V / 4) * 4;
  const c = new Carver();
  const perBlock = Array.from({ length: layers }, () => ({
    x: c.take(R * d), xh1: c.take(R * d), inv1: c.take(R), h1: c.take(R * d),
    q: c.take(R * d), k: c.take(R * d), v: c.take(R * d), p: c.take(n * heads * L * L), o: c.take(R * d),
    x2: c.take(R * d), xh2: c.take(R * d), inv2: c.take(R), h2: c.take(R * d), a: c.take(mlp ? R * H : 0), g: c.take(mlp ? R * H : 0),
  }));
  const work = {
    x: c.take(R * d), xhf: c.take(Rl * d), invf: c.take(Rl), out: c.take(Rl * d),
    e: c.take(Rl * Vp), stats: c.take(Rl * 4), dlogits: c.take(Rl * Vp), targets: c.take(Rl * Vp),
    Ep: c.take(Vp * d), Ept: c.take(d * Vp), dEp: c.take(Vp * d),
    dx: c.take(R * d), dy: c.take(R * d), dq: c.take(R * d), dk: c.take(R * d), dv: c.take(R * d), dh: c.take(R * d), dln: c.take(R * d),
    dwide: c.take(mlp ? R * H : 0), wt: c.take(H * d),
  };
  const gradShapes = Array.from({ length: layers }, () => [[4, d, d], [4, d], [4, d], ...(mlp ? [[d, H], [H], [H, d], [d]] : [])]).flat();
  return {
    // loss, dE, dpos, per block its groups' gradients, dln_f, then the scratch buffer
    // forward only: the logits; else the loss, dE, dpos, per block its groups' gradients, dln_f; then scratch
    shapes: forwardOnly ? [[Rl, V], [c.size]] : [[], [V, d], [T, d], ...gradShapes, [2, d], [c.size]],
    compute(outs) {
      if (!simd || d % 4 !== 0) throw new Error(`${NAME} needs wasm SIMD and a width that is a multiple of 4`);
      c.use(outs[outs.length - 1]!);
      const perGroup = mlp ? 7 : 3;
      const get = (name: string) => read(inputs[name]!);
      const [tokens, E, pos, lnf] = [get("tokens"), get("E"), get("pos"), get("ln_f")];
      const weights = Array.from({ length: layers }, (_, l) => blockInputs(l + 1).slice(0, perGroup).map(get));
      const blocks = perBlock.map((b) => Object.fromEntries(Object.entries(b).map(([k, f]) => [k, f()])) as { [K in keyof typeof b]: Float32Array });
      const w = Object.fromEntries(Object.entries(work).map(([k, f]) => [k, f()])) as { [K in keyof typeof work]: Float32Array };
      const at = (x: Float32Array) => x.byteOffset;
      const f4 = 4; // bytes per float

      // Embedding: token row plus position row.
      const x0 = blocks[0]?.x ?? w.x;
      for (let r = 0; r < R; r++) {
        const [tok, t] = [tokens[r]! * d, Math.floor(r / n) * d];
        for (let j = 0; j < d; j++) x0[r * d + j] = E[tok + j]! + pos[t + j]!;
      }
      blocks.forEach((b, l) => {
        const [attn, attnB, ln, mlpIn, mlpInB, mlpOut, mlpOutB] = weights[l]!;
        const next = blocks[l + 1]?.x ?? w.x;
        simd.ln_forward(at(b.x), at(ln!), at(ln!) + d * f4, at(b.h1), at(b.xh1), at(b.inv1), R, d);
        [b.q, b.k, b.v].forEach((y, j) => {
          simd.gemm(at(b.h1), at(attn!) + j * d * d * f4, at(y), R, d, d);
          simd.add_bias(at(y), at(attnB!) + j * d * f4, R, d);
        });
        attentionForward(b.q, b.k, b.v, b.p, b.o, n, L, d, heads);
        const x2 = mlp ? b.x2 : next;
        x2.set(b.x);
        simd.add_bias(at(x2), at(attnB!) + 3 * d * f4, R, d);
        simd.gemm_strided(at(b.o), at(attn!) + 3 * d * d * f4, at(x2), R, d, d, d, 1, d, d, 1, Triangle.none);
        if (mlp) {
          simd.ln_forward(at(x2), at(ln!) + 2 * d * f4, at(ln!) + 3 * d * f4, at(b.h2), at(b.xh2), at(b.inv2), R, d);
          simd.gemm(at(b.h2), at(mlpIn!), at(b.a), R, d, H);
          simd.add_bias(at(b.a), at(mlpInB!), R, H);
          simd.gelu_forward(at(b.a), at(b.g), R * H);
          next.set(x2);
          simd.add_bias(at(next), at(mlpOutB!), R, d);
          simd.gemm_strided(at(b.g), at(mlpOut!), at(next), R, H, d, H, 1, d, d, 1, Triangle.none);
        }
      });
      const first = from * n * d * f4; // the logit rows' offset in the residual stream, in bytes
      simd.ln_forward(at(w.x) + first, at(lnf), at(lnf) + d * f4, at(w.out), at(w.xhf), at(w.invf), Rl, d);
      w.Ep.set(E);
      w.Ep.fill(0, V * d);
      simd.transpose(at(w.Ep), at(w.Ept), Vp, d);
      const logits = w.dlogits; // overwritten by its gradient once the loss is read
      simd.gemm(at(w.out), at(w.Ept), at(logits), Rl, d, Vp);
      if (forwardOnly) {
        for (let r = 0; r < Rl; r++) outs[0]!.set(logits.subarray(r * Vp, r * Vp + V), r * V);
        return;
      }
      const grads = Array.from({ length: layers }, (_, l) => outs.slice(3 + perGroup * l, 3 + perGroup * (l + 1)));
      const [loss, dE, dpos, dlnf] = [outs[0]!, outs[1]!, outs[2]!, outs[3 + perGroup * layers]!];
      const targets = get("targets");
      w.targets.fill(0);
      for (let r = 0; r < Rl; r++) {
        w.targets.set(targets.subarray(r * V, (r + 1) * V), r * Vp);
        logits.fill(-1e30, r * Vp + V, (r + 1) * Vp);
      }
      simd.ce_forward(at(logits), at(w.targets), at(w.e), at(w.stats), Rl, Vp);
      loss[0] = crossEntropyLoss(w.stats, Rl, 1 / count);

      // The head: dE = dlogitsᵀ·out (the embedding's rows are added at the end), dout = dlogits·E, final LN.
      simd.ce_backward(at(w.e), at(w.targets), at(w.stats), at(w.dlogits), Rl, Vp, 1 / count);
      simd.gemm_strided(at(w.dlogits), at(w.out), at(w.dEp), Vp, Rl, d, 1, Vp, d, d, 0, Triangle.none);
      dE.set(w.dEp.subarray(0, V * d));
      simd.gemm(at(w.dlogits), at(w.Ep), at(w.dy), Rl, Vp, d);
      dlnf.fill(0);
      w.dx.fill(0, 0, from * n * d);
      simd.ln_backward(at(w.dy), at(w.xhf), at(w.invf), at(lnf), at(w.dx) + first, at(dlnf), at(dlnf) + d * f4, Rl, d);

      for (let l = layers - 1; l >= 0; l--) {
        const b = blocks[l]!;
        const [attn, , ln, mlpIn, , mlpOut] = weights[l]!;
        const [gAttn, gAttnB, gLn, gMlpIn, gMlpInB, gMlpOut, gMlpOutB] = grads[l]!;
        gLn!.fill(0);
        // dx: the gradient of the block's output.
        if (mlp) {
          linearBackward(simd, b.g, mlpOut!, w.dx, gMlpOut!, gMlpOutB!, w.dwide, w.wt, R, H, d, 0);
          simd.gelu_backward(at(b.a), at(w.dwide), at(b.g), R * H); // not in place; g is spent
          linearBackward(simd, b.h2, mlpIn!, b.g, gMlpIn!, gMlpInB!, w.dh, w.wt, R, d, H, 0);
          simd.ln_backward(at(w.dh), at(b.xh2), at(b.inv2), at(ln!) + 2 * d * f4, at(w.dln), at(gLn!) + 2 * d * f4, at(gLn!) + 3 * d * f4, R, d);
          simd.add_to(at(w.dln), at(w.dx), R * d);
        }
        // The output projection, attention, then q, k, v.
        const sub = (x: Float32Array, j: number, size: number) => x.subarray(j * size, (j + 1) * size);
        linearBackward(simd, b.o, sub(attn!, 3, d * d), w.dx, sub(gAttn!, 3, d * d), sub(gAttnB!, 3, d), w.dy, w.wt, R, d, d, 0);
        attentionBackward(b.q, b.k, b.v, b.p, w.dy, w.dq, w.dk, w.dv, n, L, d, heads);
        [w.dq, w.dk, w.dv].forEach((dy, j) => linearBackward(simd, b.h1, sub(attn!, j, d * d), dy, sub(gAttn!, j, d * d), sub(gAttnB!, j, d), w.dh, w.wt, R, d, d, j === 0 ? 0 : 1));
        simd.ln_backward(at(w.dh), at(b.xh1), at(b.inv1), at(ln!), at(w.dln), at(gLn!), at(gLn!) + d * f4, R, d);
        simd.add_to(at(w.dln), at(w.dx), R * d);
      }
      // The embedding: token rows into dE, position rows into dpos.
      dpos.fill(0);
      for (let r = 0; r < R; r++) {
        const [tok, t] = [tokens[r]! * d, Math.floor(r / n) * d];
        for (let j = 0; j < d; j++) {
          const g = w.dx[r * d + j]!;
          dE[tok + j]! += g;
          dpos[t + j]! += g;
        }
      }
    },
  };
});

/**
 * For y = x·W + b with x [rows, k], W [k, m]: dW = xᵀ·dy, db = Σ_rows dy, and dx = dy·Wᵀ written (accumulate 0) or
 * added (1) into `dx`; `wt` is scratch for Wᵀ (k and m multiples of 4).
 */
function linearBackward(simd: SimdKernels, x: Float32Array, W: Float32Array, dy: Float32Array, dW: Float32Array, db: Float32Array, dx: Float32Array, wt: Float32Array, rows: number, k: number, m: number, accumulate: 0 | 1): void {
  const at = (a: Float32Array) => a.byteOffset;
  simd.gemm_strided(at(x), at(dy), at(dW), k, rows, m, 1, k, m, m, 0, Triangle.none);
  simd.column_sums(at(dy), at(db), rows, m);
  simd.transpose(at(W), at(wt), k, m);
  simd.gemm_strided(at(dy), at(wt), at(dx), rows, m, k, m, 1, k, k, accumulate, Triangle.none);
}

/** Causal multi-head attention over time-major rows: P [n, heads, L, L] and o, per sequence and head, in JS. */
function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, p: Float32Array, o: Float32Array, n: number, L: number, d: number, heads: number): void {
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  o.fill(0);
  for (let s = 0; s < n; s++) {
    for (let h = 0; h < heads; h++) {
      const P = ((s * heads + h) * L) * L;
      for (let t = 0; t < L; t++) {
        const qi = (t * n + s) * d + h * dh;
        let max = -Infinity;
        for (let u = 0; u <= t; u++) {
          const ki = (u * n + s) * d + h * dh;
          let dot = 0;
          for (let j = 0; j < dh; j++) dot += q[qi + j]! * k[ki + j]!;
          p[P + t * L + u] = dot * scale;
          if (dot * scale > max) max = dot * scale;
        }
        let sum = 0;
        for (let u = 0; u <= t; u++) sum += p[P + t * L + u] = Math.exp(p[P + t * L + u]! - max);
        for (let u = 0; u <= t; u++) {
          const pu = (p[P + t * L + u]! /= sum);
          const vi = (u * n + s) * d + h * dh;
          for (let j = 0; j < dh; j++) o[qi + j]! += pu * v[vi + j]!;
        }
        for (let u = t + 1; u < L; u++) p[P + t * L + u] = 0;
      }
    }
  }
}

/** attentionForward's backward: dq, dk, dv from do (time-major rows). */
function attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, p: Float32Array, dO: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array, n: number, L: number, d: number, heads: number): void {
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  const dp = new Float64Array(L);
  for (let s = 0; s < n; s++) {
    for (let h = 0; h < heads; h++) {
      const P = ((s * heads + h) * L) * L;
      for (let t = 0; t < L; t++) {
        const oi = (t * n + s) * d + h * dh;
        let dot = 0;
        for (let u = 0; u <= t; u++) {
          const vi = (u * n + s) * d + h * dh;
          const pu = p[P + t * L + u]!;
          let g = 0;
          for (let j = 0; j < dh; j++) {
            g += dO[oi + j]! * v[vi + j]!;
            dv[vi + j]! += pu * dO[oi + j]!;
          }
          dp[u] = g;
          dot += pu * g;
        }
        for (let u = 0; u <= t; u++) {
          const ds = p[P + t * L + u]! * (dp[u]! - dot) * scale;
          const ki = (u * n + s) * d + h * dh;
          for (let j = 0; j < dh; j++) {
            dq[oi + j]! += ds * k[ki + j]!;
            dk[ki + j]! += ds * q[oi + j]!;
          }
        }
      }
    }
  }
}

/** The kernel's inputs and attributes for one part (targets absent: forward only). */
function kernelCall(model: Gpt, part: KernelPart, count: number, targets?: tf.Tensor) {
  const groups = model.groups();
  const { layers, mlp } = model.dims;
  const inputs: Record<string, tf.Tensor> = { tokens: part.tokens, E: groups.E!, pos: groups.pos!, ln_f: groups.ln_f!, ...(targets && { targets }) };
  const blockNames = Array.from({ length: layers }, (_, l) => blockInputs(l + 1).slice(0, mlp ? 7 : 3)).flat();
  for (const name of blockNames) inputs[name] = groups[name]!;
  const attrs: PartAttrs = { dims: { ...model.dims }, n: part.n, length: part.length, from: part.from, count, forwardOnly: !targets };
  return { outs: tf.engine().runKernel(NAME, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[], blockNames };
}

/** n sequences cut to `length` positions, as time-major token ids in floats [length·n]; logits from position `from` on. */
export interface KernelPart {
  n: number;
  length: number;
  from: number;
  tokens: tf.Tensor;
}

/**
 * The loss of one part against `targets` [(length − from)·n, V], divided by `count`, and its gradients by group
 * name (model.groups()); where gptKernelAvailable.
 */
export function gptPartWithGradients(model: Gpt, part: KernelPart & { targets: tf.Tensor }, count: number): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const { outs, blockNames } = kernelCall(model, part, count, part.targets);
  tf.dispose(outs[outs.length - 1]!);
  const grads: Record<string, tf.Tensor> = { E: outs[1]!, pos: outs[2]! };
  blockNames.forEach((name, i) => (grads[name] = outs[3 + i]!));
  grads.ln_f = outs[3 + blockNames.length]!;
  return { loss: outs[0] as tf.Scalar, grads };
}

/** The logits [(length − from)·n, V] of one part, by the kernel's forward pass; where gptKernelAvailable. */
export function gptPartLogits(model: Gpt, part: KernelPart): tf.Tensor2D {
  const { outs } = kernelCall(model, part, 1);
  tf.dispose(outs[1]!);
  return outs[0] as tf.Tensor2D;
}
