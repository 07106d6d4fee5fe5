import * as tf from "@tensorflow/tfjs";
import { simdKernelsOn, type SimdKernels, type WasmMemory } from "./simd/simd-kernels.ts";

/**
 * Kernels written in plain JS over the memory of the wasm and cpu backends, where tensors live in arrays JS can
 * read (the wasm heap; the cpu backend's typed arrays). A small model's step is dominated by per-kernel dispatch,
 * so one such kernel can replace dozens of tfjs ops. Other backends keep the tfjs ops.
 * On wasm a kernel may also call Orrery's SIMD kernels (./simd), which work on the same heap in place: a
 * Float32Array `read` returns there is a view whose byteOffset is the tensor's pointer.
 */
interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  wasm: { asm?: { memory?: WasmMemory } };
}
interface CpuLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

export type Read = (t: tf.TensorInfo) => Float32Array;
export type MemoryKernel = (args: {
  inputs: Record<string, tf.TensorInfo>;
  attrs: Record<string, unknown>;
  read: Read;
  /** On the wasm backend (with wasm SIMD): kernels over its heap, taking `read(t).byteOffset` as t's pointer. */
  simd: SimdKernels | null;
}) => {
  shapes: number[][];
  compute: (outs: Float32Array[]) => void;
};

/** Registers `kernel` under `name` for the wasm and cpu backends (float32 inputs and outputs). */
export function registerMemoryKernel(name: string, kernel: MemoryKernel): void {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: unknown; backend: unknown; attrs?: unknown }): tf.TensorInfo[] => {
    const wasm = "typedArrayFromHeap" in (backend as object) ? (backend as WasmLike) : null;
    const cpu = backend as CpuLike;
    const read: Read = wasm ? (t) => wasm.typedArrayFromHeap(t) : (t) => cpu.data.get(t.dataId).values;
    const memory = wasm?.wasm.asm?.memory;
    const simd = memory ? simdKernelsOn(memory) : null;
    const { shapes, compute } = kernel({ inputs: inputs as Record<string, tf.TensorInfo>, attrs: (attrs ?? {}) as Record<string, unknown>, read, simd });
    if (wasm) {
      // Outputs first, then views: allocating may grow the wasm heap, which detaches views taken before.
      const infos = shapes.map((s) => wasm.makeOutput(s, "float32"));
      compute(infos.map((i) => wasm.typedArrayFromHeap(i)));
      return infos;
    }
    const outs = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    compute(outs);
    return outs.map((o, i) => cpu.makeTensorInfo(shapes[i]!, "float32", o));
  };
  for (const backendName of ["wasm", "cpu"]) {
    if (!tf.getKernel(name, backendName)) tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
  }
}

/** Whether the active backend is wasm with Orrery's SIMD kernels (some ops only pay off there). */
export function simdActive(): boolean {
  const backend = tf.getBackend() === "wasm" ? (tf.backend() as unknown as WasmLike) : null;
  const memory = backend?.wasm.asm?.memory;
  return memory !== undefined && simdKernelsOn(memory) !== null;
}

/** Whether the active backend runs kernel `name`. */
export const memoryKernelAvailable = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;
