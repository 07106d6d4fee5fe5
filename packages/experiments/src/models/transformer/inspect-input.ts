import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "@orrery/protocol";
import { InputError } from "../../types.ts";

export interface TokenSyntax {
  /** Numbers 0 … limit − 1 are tokens themselves. */
  limit: number;
  maxLength: number;
  /** Named tokens (matched case-insensitively, brackets optional: `[PAUSE]`, `pause`). */
  names?: Readonly<Record<string, number>>;
}

/** Tokens from text like "3 7 12" or "[PATH] 17 [PAUSE] 0", separated by spaces or commas. */
export function parseTokens(input: string, syntax: TokenSyntax): Int32Array {
  const items = input.split(/[\s,]+/).filter(Boolean);
  if (items.length === 0) throw new InputError("type at least one token");
  if (items.length > syntax.maxLength) throw new InputError(`${items.length} tokens: at most ${syntax.maxLength} fit the model's context`);
  return Int32Array.from(items, (item, i) => {
    const named = syntax.names?.[item.replace(/^\[|\]$/g, "").toUpperCase()];
    if (named !== undefined) return named;
    const value = Number(item);
    if (!Number.isInteger(value) || value < 0 || value >= syntax.limit) {
      const names = syntax.names ? ` or one of ${Object.keys(syntax.names).join(", ")}` : "";
      throw new InputError(`token ${i + 1} ("${item}"): expected an integer 0…${syntax.limit - 1}${names}`);
    }
    return value;
  });
}

/** Tokens padded to T with `pad` (a causal model's first n positions do not see the padding). */
export function padTokens(tokens: Int32Array, T: number, pad: number): Int32Array {
  const out = new Int32Array(T).fill(pad);
  out.set(tokens);
  return out;
}

/**
 * Each layer's attention on one sequence, cropped to its first n positions: `attention` holds per layer
 * [T, heads, T] probabilities (query, head, key); heads are averaged. Disposes nothing it did not make.
 */
export function attentionMatrices(attention: tf.Tensor3D[], n: number): NamedTensor[] {
  return attention.map((a, l) => {
    const [T] = a.shape;
    const cropped = tf.tidy(() => tf.slice(tf.mean(a, 1), [0, 0], [Math.min(n, T), Math.min(n, T)]));
    const data = Float32Array.from(cropped.dataSync());
    cropped.dispose();
    return { name: `attention_layer${l + 1}`, shape: [Math.min(n, T), Math.min(n, T)], data };
  });
}
