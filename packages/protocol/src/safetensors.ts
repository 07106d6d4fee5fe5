/**
 * The safetensors file format (https://huggingface.co/docs/safetensors), pure: no I/O, usable in the browser.
 *
 *   u64 LE N | N bytes of UTF-8 JSON header, space-padded to a multiple of 8 | byte buffer
 *
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets into the buffer,
 * little-endian, row-major), plus an optional "__metadata__" map of strings to strings.
 *
 * Encoding follows the reference writer (huggingface/safetensors `serialize`): tensors sorted by dtype
 * alignment, largest first, then by name (UTF-8 bytes); compact JSON with "__metadata__" first and each
 * tensor's keys in the order dtype, shape, data_offsets; header padded with spaces. The reference writes the
 * metadata map in hash order; we sort its keys so that encoding is deterministic.
 *
 * Decoding validates everything the reference reader does and keeps each tensor's raw bytes, whatever its dtype;
 * `toFloat32` converts the floating dtypes (F32 exactly, F16/BF16 exactly, F64 rounded to nearest) and refuses
 * the others.
 */

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Bytes per element, in the reference's dtype order (increasing alignment; the writer sorts by it). */
const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8,
  I64: 8, U64: 8,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;
const DTYPES = Object.keys(DTYPE_SIZES) as SafetensorsDtype[];

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Little-endian element bytes, row-major. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  /** In file order when decoded; any order when encoding (the encoder sorts). */
  tensors: SafetensorsTensor[];
  /** The "__metadata__" map; absent when the file has none. */
  metadata?: Record<string, string>;
}

/** The reference reader's limit. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";

const isDtype = (s: unknown): s is SafetensorsDtype => typeof s === "string" && Object.hasOwn(DTYPE_SIZES, s);
const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function byteLength(dtype: SafetensorsDtype, shape: readonly number[]): number {
  const n = shape.reduce((a, b) => a * b, 1) * DTYPE_SIZES[dtype];
  if (!Number.isSafeInteger(n)) throw new SafetensorsError(`shape [${shape}] of ${dtype} is too large`);
  return n;
}

const utf8 = new TextEncoder();
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function encodeSafetensors(file: SafetensorsFile): Uint8Array {
  const seen = new Set<string>();
  for (const t of file.tensors) {
    if (t.name === METADATA_KEY) throw new SafetensorsError(`a tensor may not be named "${METADATA_KEY}"`);
    if (seen.has(t.name)) throw new SafetensorsError(`tensor "${t.name}" appears twice`);
    seen.add(t.name);
    if (!isDtype(t.dtype)) throw new SafetensorsError(`tensor "${t.name}": unknown dtype "${String(t.dtype)}"`);
    if (!t.shape.every(isCount)) throw new SafetensorsError(`tensor "${t.name}": shape [${t.shape}] is not a list of counts`);
    const expected = byteLength(t.dtype, t.shape);
    if (t.bytes.length !== expected) {
      throw new SafetensorsError(`tensor "${t.name}": shape [${t.shape}] of ${t.dtype} needs ${expected} bytes, got ${t.bytes.length}`);
    }
  }
  const sorted = [...file.tensors].sort(
    (a, b) => DTYPES.indexOf(b.dtype) - DTYPES.indexOf(a.dtype) || compareUtf8(a.name, b.name),
  );
  // Built by hand: a JS object would move integer-like names ("0", "1") to the front.
  const entries: string[] = [];
  if (file.metadata) {
    const meta = Object.keys(file.metadata).sort(compareUtf8).map((k) => {
      const v = file.metadata![k];
      if (typeof v !== "string") throw new SafetensorsError(`metadata value of "${k}" is not a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(",")}}`);
  }
  let offset = 0;
  for (const t of sorted) {
    const end = offset + t.bytes.length;
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = utf8.encode(`{${entries.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of sorted) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new SafetensorsError(`truncated file: ${bytes.length} bytes, fewer than the 8 of the header length`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${declared} is beyond the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes): truncated or not a safetensors file`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new SafetensorsError("header is not a JSON object");
  }

  let metadata: Record<string, string> | undefined;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = readMetadata(info);
    else entries.push(readEntry(name, info));
  }

  const buffer = bytes.subarray(8 + headerLength);
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin},${e.end}] overlap tensor "${previous!.name}"`);
    if (e.begin > covered) throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin},${e.end}] leave bytes ${covered}..${e.begin} of the buffer uncovered`);
    covered = e.end;
    previous = e;
  }
  if (covered > buffer.length) {
    throw new SafetensorsError(`truncated file: the tensors need ${covered} bytes after the header, the file has ${buffer.length}`);
  }
  if (covered < buffer.length) {
    throw new SafetensorsError(`the tensors cover ${covered} bytes after the header but the file has ${buffer.length}: trailing bytes`);
  }
  const tensors = entries.map(({ name, dtype, shape, begin, end }) => ({ name, dtype, shape, bytes: new Uint8Array(buffer.subarray(begin, end)) }));
  return metadata ? { tensors, metadata } : { tensors };
}

function readMetadata(info: unknown): Record<string, string> {
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw new SafetensorsError(`"${METADATA_KEY}" is not a JSON object`);
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== "string") throw new SafetensorsError(`metadata value of "${k}" is not a string`);
  }
  return Object.fromEntries(Object.entries(info as Record<string, string>));
}

function readEntry(name: string, info: unknown): Entry {
  const at = `tensor "${name}"`;
  if (typeof info !== "object" || info === null || Array.isArray(info)) throw new SafetensorsError(`${at}: its header entry is not a JSON object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isDtype(dtype)) throw new SafetensorsError(`${at}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw new SafetensorsError(`${at}: shape ${JSON.stringify(shape)} is not a list of counts`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new SafetensorsError(`${at}: data_offsets ${JSON.stringify(offsets)} are not two byte offsets`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`${at}: data_offsets [${begin},${end}] end before they begin`);
  const expected = byteLength(dtype, shape as number[]);
  if (end - begin !== expected) {
    throw new SafetensorsError(`${at}: shape [${shape}] of ${dtype} needs ${expected} bytes, data_offsets [${begin},${end}] give ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A copy of `size`-byte elements in a fresh buffer, each one's bytes reversed on a big-endian host. (A copy by
 * constructor: a Node Buffer's slice() is a view into a shared pool.)
 */
function hostOrder(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes);
  if (!littleEndianHost) for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}

/** An F32 tensor; bit-exact (NaN payloads included), since no value goes through a float conversion. */
export function f32Tensor(name: string, shape: number[], data: Float32Array): SafetensorsTensor {
  return { name, dtype: "F32", shape, bytes: hostOrder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 4) };
}

/** The values of a floating-point tensor as Float32: F32, F16 and BF16 exactly, F64 rounded to nearest. */
export function toFloat32(t: SafetensorsTensor): Float32Array {
  switch (t.dtype) {
    case "F32":
      return new Float32Array(hostOrder(t.bytes, 4).buffer);
    case "F64":
      return Float32Array.from(new Float64Array(hostOrder(t.bytes, 8).buffer));
    case "BF16":
    case "F16": {
      const halves = new Uint16Array(hostOrder(t.bytes, 2).buffer);
      if (t.dtype === "F16") return Float32Array.from(halves, halfToNumber);
      const out = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = halves[i]! << 16;
      return new Float32Array(out.buffer);
    }
    default:
      throw new SafetensorsError(`tensor "${t.name}" has dtype ${t.dtype}; only F32, F64, F16 and BF16 are read as floats`);
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
