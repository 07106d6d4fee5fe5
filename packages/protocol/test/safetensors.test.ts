import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeSafetensors, encodeSafetensors, f32Tensor, SafetensorsError, toFloat32, type SafetensorsTensor,
} from "../src/index.ts";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A file laid out by hand: u64 LE header length, the header as given plus `pad` spaces, then the buffer. */
function handMade(header: string, pad: number, buffer: number[]): Uint8Array {
  const out = new Uint8Array(8 + header.length + pad + buffer.length);
  new DataView(out.buffer).setUint32(0, header.length + pad, true); // high 32 bits stay 0
  out.set(ascii(header), 8);
  out.fill(0x20, 8 + header.length, 8 + header.length + pad);
  out.set(buffer, 8 + header.length + pad);
  return out;
}

const f32le = (...xs: number[]) => [...new Uint8Array(Float32Array.from(xs).buffer)];
const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
const floatsOfBits = (...u: number[]) => new Float32Array(Uint32Array.from(u).buffer);

describe("safetensors golden files", () => {
  test('{"a": F32 [2] = [1, 2]} with metadata, as the reference writer lays it out', () => {
    // 85 bytes of JSON, padded with 3 spaces to 88; 1.0f = 00 00 80 3f, 2.0f = 00 00 00 40.
    const header = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    assert.equal(header.length, 85);
    const golden = handMade(header, 3, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    assert.equal(golden.length, 104);
    const file = decodeSafetensors(golden);
    assert.deepEqual(file.metadata, { format: "pt" });
    assert.equal(file.tensors.length, 1);
    assert.deepEqual({ ...file.tensors[0]!, bytes: undefined }, { name: "a", dtype: "F32", shape: [2], bytes: undefined });
    assert.deepEqual(toFloat32(file.tensors[0]!), Float32Array.from([1, 2]));
    assert.deepEqual(encodeSafetensors({ tensors: [f32Tensor("a", [2], Float32Array.from([1, 2]))], metadata: { format: "pt" } }), golden);
    assert.deepEqual(encodeSafetensors(file), golden);
  });

  test("the reference's own serialization vectors: a 64-byte header needs no padding, a 65-byte one gets 7 spaces", () => {
    const data = f32le(0, 1, 2, 3, 4, 5);
    const exact = handMade('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', 0, data);
    assert.equal(new DataView(exact.buffer).getUint32(0, true), 64);
    assert.deepEqual(encodeSafetensors({ tensors: [f32Tensor("attn.0", [1, 2, 3], Float32Array.from([0, 1, 2, 3, 4, 5]))] }), exact);
    const padded = handMade('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}', 7, data);
    assert.deepEqual(encodeSafetensors(decodeSafetensors(padded)), padded);
    assert.equal(decodeSafetensors(padded).metadata, undefined);
    // No tensors, no metadata: "{}" and 6 spaces.
    assert.deepEqual(encodeSafetensors({ tensors: [] }), handMade("{}", 6, []));
  });
});

describe("safetensors round trip", () => {
  const special = floatsOfBits(
    0x80000000, // -0
    0x00000001, // smallest subnormal
    0x007fffff, // largest subnormal
    0x7f800000, // +Inf
    0xff800000, // -Inf
    0x7fc00001, // quiet NaN with a payload
    0xffa00000, // negative signalling-pattern NaN
    0x7f7fffff, // FLT_MAX
    0x3eaaaaab, // 1/3
  );
  const tensors: SafetensorsTensor[] = [
    f32Tensor("special", [3, 3], special),
    f32Tensor("Z", [], Float32Array.from([7])),
    f32Tensor("10", [2], Float32Array.from([1, 2])),
    f32Tensor("2", [1], Float32Array.from([3])),
    f32Tensor("é", [1], Float32Array.from([4])),
    f32Tensor("empty", [0, 3], new Float32Array(0)),
    { name: "double", dtype: "F64", shape: [1], bytes: new Uint8Array(Float64Array.from([0.1]).buffer) },
    { name: "count", dtype: "I64", shape: [1], bytes: new Uint8Array(8).fill(1, 0, 1) },
  ];

  test("encode → decode → encode is byte-identical and every value keeps its bits", () => {
    const bytes = encodeSafetensors({ tensors, metadata: { z: "last", a: "first", "ünï": "cödé" } });
    const back = decodeSafetensors(bytes);
    assert.deepEqual(encodeSafetensors(back), bytes);
    const special2 = back.tensors.find((t) => t.name === "special")!;
    assert.deepEqual(bits(toFloat32(special2)), bits(special));
    assert.equal(Object.is(toFloat32(special2)[0], -0), true);
    assert.deepEqual(back.metadata, { a: "first", z: "last", "ünï": "cödé" });
  });

  test("tensors are laid out as the reference sorts them: largest dtype first, then names by UTF-8 bytes", () => {
    const back = decodeSafetensors(encodeSafetensors({ tensors }));
    assert.deepEqual(back.tensors.map((t) => t.name), ["count", "double", "10", "2", "Z", "empty", "special", "é"]);
  });

  test("encoding is deterministic: input order of tensors and metadata keys does not matter", () => {
    const a = encodeSafetensors({ tensors, metadata: { x: "1", y: "2" } });
    const b = encodeSafetensors({ tensors: [...tensors].reverse(), metadata: { y: "2", x: "1" } });
    assert.deepEqual(a, b);
  });

  test("decodes from a view into a larger buffer and from a pooled Node Buffer", () => {
    const bytes = encodeSafetensors({ tensors: [f32Tensor("w", [2], Float32Array.from([0.5, -1.5]))] });
    const shifted = new Uint8Array(bytes.length + 5);
    shifted.set(bytes, 5);
    assert.deepEqual(toFloat32(decodeSafetensors(shifted.subarray(5)).tensors[0]!), Float32Array.from([0.5, -1.5]));
    const pooled = Buffer.from(bytes); // small Buffers share one pool: a view at some offset
    assert.deepEqual(toFloat32(decodeSafetensors(pooled).tensors[0]!), Float32Array.from([0.5, -1.5]));
  });

  test("F16, BF16 and F64 read as Float32; integers are refused", () => {
    const t = (dtype: SafetensorsTensor["dtype"], bytes: number[]): SafetensorsTensor => ({ name: "t", dtype, shape: [bytes.length / 2], bytes: Uint8Array.from(bytes) });
    // F16: 1.0 = 0x3c00, -2 = 0xc000, smallest subnormal 2^-24 = 0x0001, Inf = 0x7c00
    assert.deepEqual(toFloat32(t("F16", [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c])), Float32Array.from([1, -2, 2 ** -24, Infinity]));
    // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00
    assert.deepEqual(toFloat32(t("BF16", [0x80, 0x3f, 0x00, 0xbf])), Float32Array.from([1, -0.5]));
    const f64: SafetensorsTensor = { name: "d", dtype: "F64", shape: [2], bytes: new Uint8Array(Float64Array.from([0.1, 1e300]).buffer) };
    assert.deepEqual(toFloat32(f64), Float32Array.from([Math.fround(0.1), Infinity]));
    assert.throws(() => toFloat32({ name: "i", dtype: "I32", shape: [1], bytes: new Uint8Array(4) }), /tensor "i" has dtype I32; only F32, F64, F16 and BF16/);
  });
});

describe("safetensors refusals", () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const data = f32le(1, 2);
  const refuses = (bytes: Uint8Array, message: RegExp) =>
    assert.throws(() => decodeSafetensors(bytes), (e: unknown) => e instanceof SafetensorsError && message.test(e.message));

  test("truncation and bad header lengths", () => {
    refuses(new Uint8Array(5), /truncated file: 5 bytes, fewer than the 8 of the header length/);
    const long = handMade(ok, 0, data);
    new DataView(long.buffer).setUint32(0, 1000, true);
    refuses(long, /header length 1000 runs past the end of the file \(70 bytes\)/);
    const huge = handMade(ok, 0, data);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    refuses(huge, /header length 9223372036854775808 is beyond the 100000000-byte limit/);
    const whole = encodeSafetensors(decodeSafetensors(handMade(ok, 0, data)));
    refuses(whole.subarray(0, whole.length - 4), /truncated file: the tensors need 8 bytes after the header, the file has 4/);
    refuses(whole.subarray(0, 20), /header length 56 runs past the end of the file \(20 bytes\)/);
  });

  test("header that is not UTF-8, not JSON, not an object", () => {
    const bad = handMade("{}", 6, []);
    bad[9] = 0xff;
    refuses(bad, /header is not valid UTF-8/);
    refuses(handMade('{"a":', 3, []), /header is not valid JSON/);
    refuses(handMade("[1,2]", 3, []), /header is not a JSON object/);
  });

  test("entries: unknown dtype, bad shape, bad offsets, size mismatch, non-string metadata", () => {
    refuses(handMade('{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}', 0, data), /tensor "a": unknown dtype "F99"/);
    refuses(handMade('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', 0, data), /tensor "a": shape \[-2\] is not a list of counts/);
    refuses(handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', 0, data), /tensor "a": data_offsets \[0\] are not two byte offsets/);
    refuses(handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', 0, data), /tensor "a": data_offsets \[8,0\] end before they begin/);
    refuses(handMade('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 0, data), /tensor "a": shape \[3\] of F32 needs 12 bytes, data_offsets \[0,8\] give 8/);
    refuses(handMade('{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 0, data), /metadata value of "n" is not a string/);
    refuses(handMade('{"__metadata__":[],"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 0, data), /"__metadata__" is not a JSON object/);
  });

  test("offsets that overlap, leave a gap, or do not cover the buffer", () => {
    const two = (a: string, b: string) => `{"a":{"dtype":"F32","shape":[1],"data_offsets":${a}},"b":{"dtype":"F32","shape":[1],"data_offsets":${b}}}`;
    refuses(handMade(two("[0,4]", "[2,6]"), 0, data), /tensor "b": data_offsets \[2,6\] overlap tensor "a"/);
    refuses(handMade(two("[0,4]", "[0,4]"), 0, data), /overlap/);
    refuses(handMade(two("[0,4]", "[6,10]"), 0, [...data, 0, 0]), /tensor "b": data_offsets \[6,10\] leave bytes 4\.\.6 of the buffer uncovered/);
    refuses(handMade(two("[4,8]", "[8,12]"), 0, [...data, 0, 0, 0, 0]), /tensor "a": data_offsets \[4,8\] leave bytes 0\.\.4/);
    refuses(handMade(ok, 0, [...data, 9]), /the tensors cover 8 bytes after the header but the file has 9: trailing bytes/);
  });

  test("the encoder refuses what it cannot write faithfully", () => {
    const t = f32Tensor("a", [2], Float32Array.from([1, 2]));
    assert.throws(() => encodeSafetensors({ tensors: [{ ...t, shape: [3] }] }), /tensor "a": shape \[3\] of F32 needs 12 bytes, got 8/);
    assert.throws(() => encodeSafetensors({ tensors: [t, t] }), /tensor "a" appears twice/);
    assert.throws(() => encodeSafetensors({ tensors: [{ ...t, name: "__metadata__" }] }), /may not be named "__metadata__"/);
  });
});
