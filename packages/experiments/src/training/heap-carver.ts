/*
 * Scratch space for the memory kernels that run a whole step on the wasm heap (the transformers' step kernels):
 * one output tensor sized for everything, sliced into named parts.
 */

/** Slices one flat buffer into named parts, each a multiple of 4 floats long (so every part stays 16-byte aligned). */
export class Carver {
  size = 0;
  private buffer: Float32Array | null = null;

  /** Reserves n floats; the returned function gives the part once `use` has set the buffer. */
  take(n: number): () => Float32Array {
    const part = { at: this.size, n };
    this.size += Math.ceil(n / 4) * 4;
    return () => this.buffer!.subarray(part.at, part.at + part.n);
  }

  use(buffer: Float32Array): void {
    this.buffer = buffer;
  }
}
