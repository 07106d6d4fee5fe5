import * as tf from "@tensorflow/tfjs";

/**
 * tfjs-backend-wasm's Identity kernel copies its input, and autodiff runs it for every tensor a custom-gradient op
 * saves for backward (tf.customGrad clones them): a third of a transformer step's kernels (115 copies of up to 4.7 MB
 * per graph-transformer step). Tensors are immutable (a variable's assign swaps its data, it never writes into
 * it), so the output can share the input's data, as the cpu backend's Identity and the wasm backend's own
 * Reshape already do. Installed over the wasm kernel once that backend is active.
 */
interface RefCounting {
  incRef(dataId: object): void;
}

const shared: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

let original: tf.KernelConfig | undefined;

/** Makes the wasm backend's Identity share data instead of copying it (numeric tensors; strings keep the copy). */
export function shareIdentityOnWasm(): void {
  const current = tf.getKernel(tf.Identity, "wasm");
  if (!current || current.kernelFunc === sharedOrCopy) return;
  original = current;
  tf.unregisterKernel(tf.Identity, "wasm");
  tf.registerKernel({ ...current, kernelFunc: sharedOrCopy });
}

function sharedOrCopy(args: Parameters<tf.KernelFunc>[0]) {
  const { x } = args.inputs as { x: tf.TensorInfo };
  return x.dtype === "string" ? original!.kernelFunc(args) : shared(args);
}
