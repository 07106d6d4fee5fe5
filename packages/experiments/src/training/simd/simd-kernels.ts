import { KERNELS_WASM_BASE64 } from "./kernels-wasm.ts";

/** The exports of kernels.wat; pointers are byte offsets into the tfjs wasm backend's memory. */
export interface SimdKernels {
  adam(
    x: number, g: number, m: number, v: number, ox: number, om: number, ov: number, n: number,
    b1: number, b2: number, ob1: number, ob2: number, c1: number, c2: number, eps: number, step: number, keep: number,
  ): void;
  ce_forward(z: number, w: number, e: number, stats: number, rows: number, cols: number): void;
  ce_backward(e: number, w: number, stats: number, dz: number, rows: number, cols: number, g: number): void;
  /** n a multiple of 4. */
  gelu_forward(x: number, y: number, n: number): void;
  gelu_backward(x: number, dy: number, dx: number, n: number): void;
  /** cols a multiple of 4. */
  column_sums(x: number, out: number, rows: number, cols: number): void;
  /** rows and cols multiples of 4. */
  transpose(x: number, y: number, rows: number, cols: number): void;
  /** d a multiple of 4. */
  ln_forward(x: number, gain: number, bias: number, y: number, xh: number, inv: number, rows: number, d: number): void;
  ln_backward(dy: number, xh: number, inv: number, gain: number, dx: number, dgain: number, dbias: number, rows: number, d: number): void;
  /** n a multiple of 4; backward: 1 for the gradient map. */
  rotate_pairs(x: number, cos: number, sin: number, y: number, n: number, backward: number): void;
  /** C = A·B, row-major, N a multiple of 4. */
  gemm(a: number, b: number, c: number, M: number, K: number, N: number): void;
  /**
   * C = A·B (C += A·B where acc is 1), N a multiple of 4, strides in floats: A's entry (i, k) at i·sar + k·sac
   * (Aᵀ of a row-major [K, M] matrix: sar 1, sac M), B's and C's rows ldb and ldc apart. tri (see Triangle) skips
   * blocks that causal attention makes zero or unused.
   */
  gemm_strided(a: number, b: number, c: number, M: number, K: number, N: number, sar: number, sac: number, ldb: number, ldc: number, acc: number, tri: Triangle): void;
  /** C = A·Bᵀ, row-major, K a multiple of 4. */
  gemm_nt(a: number, b: number, c: number, M: number, N: number, K: number): void;
  /** Causal softmax over rows of T scores: row r keeps its first (r mod T) + 1 entries, 0 after them; p may be s. */
  softmax_causal(s: number, p: number, rows: number, T: number): void;
  /** ds = p ⊙ (dp − Σ_row p⊙dp), cols a multiple of 4; ds may be dp. */
  softmax_backward(p: number, dp: number, ds: number, rows: number, cols: number): void;
  /** x [rows, cols] += b on every row, cols a multiple of 4. */
  add_bias(x: number, b: number, rows: number, cols: number): void;
  /** y += x over n floats, n a multiple of 4. */
  add_to(x: number, y: number, n: number): void;
  /** out[r] = table[index[r]] for rows of d floats (d a multiple of 4), the indices stored as floats. */
  gather_rows(table: number, index: number, out: number, rows: number, d: number): void;
  /** table[index[r]] += x[r] for rows of d floats (d a multiple of 4), the indices stored as floats. */
  scatter_add_rows(x: number, index: number, table: number, rows: number, d: number): void;
}

/**
 * gemm_strided's shortcuts for causal attention: A lower triangular (A[i, k] = 0 for k > i, e.g. attention
 * probabilities), A upper triangular (their transpose), or only C's lower triangle wanted (scores; blocks wholly
 * above the diagonal left unwritten).
 */
export const Triangle = { none: 0, lowerA: 1, upperA: 2, lowerC: 3 } as const;
export type Triangle = (typeof Triangle)[keyof typeof Triangle];

/** A WebAssembly.Memory; typed loosely because TypeScript declares WebAssembly only in the DOM lib. */
export type WasmMemory = object;

/** The slice of the WebAssembly JS API used here (Node and browsers have it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemory, SimdKernels>();

function module(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new api!.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      compiled = null; // no wasm SIMD here: callers fall back to their plain-JS loops
    }
  }
  return compiled;
}

/** The kernels, instantiated on `memory` (once per memory), or null where wasm SIMD is unavailable. */
export function simdKernelsOn(memory: WasmMemory): SimdKernels | null {
  let kernels = instances.get(memory);
  if (!kernels) {
    const m = module();
    if (!m) return null;
    kernels = new api!.Instance(m, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}
