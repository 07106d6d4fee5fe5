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
  /** C = A·Bᵀ, row-major, K a multiple of 4. */
  gemm_nt(a: number, b: number, c: number, M: number, N: number, K: number): void;
}

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
