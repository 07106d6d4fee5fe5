import type { Carver } from "../../training/heap-carver.ts";
import type { Read } from "../../training/memory-kernels.ts";
import { Triangle, type SimdKernels } from "../../training/simd/simd-kernels.ts";
import type { AttentionOnlyDims } from "./attention-only.ts";
import { ropeTables } from "./rope.ts";

/*
 * The attention-only transformer's forward pass (attention-only.ts) on the wasm heap with Orrery's SIMD kernels,
 * for the memory kernels that run a whole training step or evaluation as one kernel. Rows are sequence-major here
 * (row s·T + t), unlike the tfjs path's time-major rows, so that each sequence's q, k, v and attention are
 * contiguous blocks ([T, d] and [T, T]) that plain GEMMs take in place:
 *   x₀ = E[tokens]; per layer h = LN(x), q = rope(h·W_q + b_q)/√d, k = rope(h·W_k + b_k), v = h·W_v + b_v,
 *   per sequence P = causal softmax(q·kᵀ), o = P·v, and x += o·W_o + b_o; logits = x·U + b_U.
 * Needs d, T and V multiples of 4 (the GEMMs' and transposes' vector width).
 */

/** Where the kernels' inputs are: the tokens (floats) and the parameters, by input name (see kernelInputs). */
export interface HeapWeights {
  tokens: Float32Array;
  E: Float32Array;
  U: Float32Array;
  bU: Float32Array;
  layers: { W: Float32Array; b: Float32Array; ln: Float32Array }[];
}

/** What one layer's forward pass keeps for the backward pass. */
export interface LayerActivations {
  /** The residual stream entering the layer, [N, d]. */
  x: Float32Array;
  /** LayerNorm's x̂, 1/σ per row and output h. */
  xh: Float32Array;
  inv: Float32Array;
  h: Float32Array;
  /** q (rotated, scaled by 1/√d), k (rotated), v: [N, d] each. */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Attention probabilities, [B, T, T] (sequence, query, key). */
  p: Float32Array;
  /** Their mix P·v, [N, d]. */
  o: Float32Array;
}

export interface ForwardWorkspace {
  layers: LayerActivations[];
  /** The residual stream after the last layer, [N, d]. */
  x: Float32Array;
  /** [N, V]. */
  logits: Float32Array;
  /** One sequence's kᵀ, [d, T]. */
  kt: Float32Array;
  /** RoPE's tables for one sequence, [T, d] each; the query's carry 1/√d. */
  cos: Float32Array;
  sin: Float32Array;
  cosQ: Float32Array;
  sinQ: Float32Array;
}

/** Reserves the forward pass's buffers for B sequences; call the result after `carver.use`. */
export function forwardWorkspace(carver: Carver, { V, d, layers, T }: AttentionOnlyDims, B: number): () => ForwardWorkspace {
  const N = B * T;
  const perLayer = Array.from({ length: layers }, () => ({
    x: carver.take(N * d),
    xh: carver.take(N * d),
    inv: carver.take(N),
    h: carver.take(N * d),
    q: carver.take(N * d),
    k: carver.take(N * d),
    v: carver.take(N * d),
    p: carver.take(B * T * T),
    o: carver.take(N * d),
  }));
  const [x, logits, kt] = [carver.take(N * d), carver.take(N * V), carver.take(d * T)];
  const tables = [carver.take(T * d), carver.take(T * d), carver.take(T * d), carver.take(T * d)];
  return () => {
    const [cos, sin, cosQ, sinQ] = tables.map((t) => t());
    return {
      layers: perLayer.map((l) => Object.fromEntries(Object.entries(l).map(([k, f]) => [k, f()])) as unknown as LayerActivations),
      x: x(),
      logits: logits(),
      kt: kt(),
      cos: cos!,
      sin: sin!,
      cosQ: cosQ!,
      sinQ: sinQ!,
    };
  };
}

const tableCache = new Map<string, Float32Array[]>();

/** cos, sin, and both over √d, for one sequence (the tfjs path tiles the same values to its rows). */
function ropeForSequence(T: number, d: number, theta: number): Float32Array[] {
  const key = `${T} ${d} ${theta}`;
  let tables = tableCache.get(key);
  if (!tables) {
    const { cos, sin } = ropeTables(T, d, theta);
    const scale = 1 / Math.sqrt(d);
    tables = [cos, sin, cos.map((c) => scale * c), sin.map((s) => scale * s)];
    tableCache.set(key, tables);
  }
  return tables;
}

/** The input names the kernels take the parameters under, for `dims.layers` layers. */
export const layerInputNames = (layers: number) => Array.from({ length: layers }, (_, l) => [`W${l}`, `b${l}`, `ln${l}`] as const);

/** Reads the tokens and parameters off the heap (see HeapWeights). */
export function readWeights(inputs: Record<string, { shape: number[] }>, read: Read, layers: number): HeapWeights {
  const get = (name: string) => read(inputs[name] as Parameters<Read>[0]);
  return {
    tokens: get("tokens"),
    E: get("E"),
    U: get("U"),
    bU: get("bU"),
    layers: layerInputNames(layers).map(([W, b, ln]) => ({ W: get(W), b: get(b), ln: get(ln) })),
  };
}

/** Runs the forward pass of B sequences into `ws` (logits not yet softmaxed). */
export function forwardOnHeap(simd: SimdKernels, dims: AttentionOnlyDims, B: number, w: HeapWeights, ws: ForwardWorkspace): void {
  const { V, d, T } = dims;
  const N = B * T;
  const at = (x: Float32Array) => x.byteOffset;
  const [cos, sin, cosQ, sinQ] = ropeForSequence(T, d, dims.ropeTheta);
  ws.cos.set(cos!);
  ws.sin.set(sin!);
  ws.cosQ.set(cosQ!);
  ws.sinQ.set(sinQ!);
  const block = T * d * 4; // one sequence's [T, d] rows, in bytes
  const square = T * T * 4;

  simd.gather_rows(at(w.E), at(w.tokens), at(ws.layers[0]?.x ?? ws.x), N, d);
  ws.layers.forEach((a, l) => {
    const { W, b, ln } = w.layers[l]!;
    const next = ws.layers[l + 1]?.x ?? ws.x;
    simd.ln_forward(at(a.x), at(ln), at(ln) + d * 4, at(a.h), at(a.xh), at(a.inv), N, d);
    [a.q, a.k, a.v].forEach((out, j) => {
      simd.gemm(at(a.h), at(W) + j * d * d * 4, at(out), N, d, d);
      simd.add_bias(at(out), at(b) + j * d * 4, N, d);
    });
    for (let s = 0; s < B; s++) {
      const [q, k] = [at(a.q) + s * block, at(a.k) + s * block];
      simd.rotate_pairs(q, at(ws.cosQ), at(ws.sinQ), q, T * d, 0);
      simd.rotate_pairs(k, at(ws.cos), at(ws.sin), k, T * d, 0);
      simd.transpose(k, at(ws.kt), T, d);
      simd.gemm_strided(q, at(ws.kt), at(a.p) + s * square, T, d, T, d, 1, T, T, 0, Triangle.lowerC);
    }
    simd.softmax_causal(at(a.p), at(a.p), N, T);
    for (let s = 0; s < B; s++) simd.gemm_strided(at(a.p) + s * square, at(a.v) + s * block, at(a.o) + s * block, T, T, d, T, 1, d, d, 0, Triangle.lowerA);
    next.set(a.x);
    simd.add_bias(at(next), at(b) + 3 * d * 4, N, d);
    simd.gemm_strided(at(a.o), at(W) + 3 * d * d * 4, at(next), N, d, d, d, 1, d, d, 1, Triangle.none);
  });
  simd.gemm(at(ws.x), at(w.U), at(ws.logits), N, d, V);
  simd.add_bias(at(ws.logits), at(w.bU), N, V);
}
