import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeSnapshotFrame, encodeSnapshotFrame, MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, parseServerMessage,
} from "../src/index.ts";

describe("snapshot frames", () => {
  test("round-trip exactly, including odd header lengths and empty tensors", () => {
    const frame = {
      runId: "r-1",
      seq: 42,
      step: 7,
      requestId: "q",
      tensors: [
        { name: "E", shape: [3, 2], data: Float32Array.from([1, -2, 3.5, NaN, Infinity, 1e-30]) },
        { name: "empty", shape: [0], data: new Float32Array(0) },
        { name: "W1", shape: [2, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) },
      ],
    };
    const bytes = encodeSnapshotFrame(frame);
    assert.equal(bytes.byteLength % 4, 0);
    const back = decodeSnapshotFrame(bytes);
    assert.deepEqual(back, frame);
    // decoding must not depend on the frame starting at offset 0 of its buffer
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(decodeSnapshotFrame(shifted.subarray(3)), frame);
  });

  test("refuses data that does not fill the declared shape, foreign bytes and truncation", () => {
    assert.throws(() => encodeSnapshotFrame({ runId: "r", seq: 1, step: 1, tensors: [{ name: "x", shape: [2], data: new Float32Array(3) }] }), /fill/);
    assert.throws(() => decodeSnapshotFrame(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not an Orrery/);
    const bytes = encodeSnapshotFrame({ runId: "r", seq: 1, step: 1, tensors: [{ name: "x", shape: [4], data: new Float32Array(4) }] });
    assert.throws(() => decodeSnapshotFrame(bytes.subarray(0, bytes.length - 4)), /truncated in tensor x/);
  });
});

describe("client message parsing", () => {
  test("accepts valid commands and fills defaults", () => {
    const r = parseClientMessage(JSON.stringify({ type: "step", id: "a", runId: "r" }));
    assert.ok(r.ok);
    assert.deepEqual(r.message, { type: "step", id: "a", runId: "r", n: 1 });
  });

  test("names what is wrong", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["{", "bad_json", /not valid JSON/],
      ["[1,2]", "bad_message", /type/],
      [JSON.stringify({ type: "fly", id: "x" }), "unknown_type", /"fly"/],
      [JSON.stringify({ type: "step", id: "x", runId: "r", n: 0 }), "bad_message", /n:/],
      [JSON.stringify({ type: "start", id: "x" }), "bad_message", /experiment/],
    ];
    for (const [text, code, message] of cases) {
      const r = parseClientMessage(text);
      assert.ok(!r.ok, text);
      assert.equal(r.code, code, text);
      assert.match(r.message, message, text);
    }
    const withId = parseClientMessage(JSON.stringify({ type: "pause", id: "keep-me" }));
    assert.ok(!withId.ok && withId.id === "keep-me", "the request id survives a validation error");
  });

  test("refuses oversized messages before parsing them", () => {
    const r = parseClientMessage("x", MAX_CLIENT_MESSAGE_BYTES + 1);
    assert.ok(!r.ok && r.code === "too_large");
  });

  test("server messages are checked by the same schemas", () => {
    assert.ok(parseServerMessage(JSON.stringify({ type: "metrics", runId: "r", points: [{ seq: 1, step: 1, values: { loss: null } }] })).ok);
    assert.ok(!parseServerMessage(JSON.stringify({ type: "metrics", runId: "r", points: [] })).ok);
  });
});

describe("measure and spectrum", () => {
  test("measure names what to measure; anything else is refused by name", () => {
    const ok = parseClientMessage(JSON.stringify({ type: "measure", id: "m", runId: "r", what: "sharpness" }));
    assert.ok(ok.ok);
    assert.deepEqual(ok.message, { type: "measure", id: "m", runId: "r", what: "sharpness" });
    const bad = parseClientMessage(JSON.stringify({ type: "measure", id: "m", runId: "r", what: "curvature" }));
    assert.ok(!bad.ok && bad.code === "bad_message" && /what/.test(bad.message) && bad.id === "m");
  });

  test("spectrum requests default maxPoints and bound it; replies carry one row of values per step", () => {
    const r = parseClientMessage(JSON.stringify({ type: "spectrum", id: "s", runId: "r", tensor: "E" }));
    assert.ok(r.ok);
    assert.deepEqual(r.message, { type: "spectrum", id: "s", runId: "r", tensor: "E", maxPoints: 200 });
    const tooMany = parseClientMessage(JSON.stringify({ type: "spectrum", id: "s", runId: "r", tensor: "E", maxPoints: 5000 }));
    assert.ok(!tooMany.ok && /maxPoints/.test(tooMany.message));
    const reply = parseServerMessage(
      JSON.stringify({ type: "spectrum", id: "s", runId: "r", tensor: "E", steps: [0, 50], values: [[3, 1], [4, 0.5]] }),
    );
    assert.ok(reply.ok);
  });
});

describe("history's numeric arrays (checked in one loop, same rules as zod's arrays)", () => {
  const history = (series: unknown, snapshotSteps: unknown = [0, 50]) =>
    parseServerMessage(JSON.stringify({ type: "history", id: "h", runId: "r", series, snapshotSteps, lastSeq: 3 }));

  test("accepts numbers, nulls among the values, integer snapshot steps", () => {
    const ok = history({ loss: { step: [1, 2.5, 3], value: [0.5, null, -1e30] } });
    assert.ok(ok.ok);
    assert.deepEqual(ok.ok && ok.message.type === "history" && ok.message.series.loss, { step: [1, 2.5, 3], value: [0.5, null, -1e30] });
  });

  test("refuses what is not an array of numbers, nulls among the steps, non-integer or negative snapshot steps", () => {
    assert.ok(!history({ loss: { step: [1, "2"], value: [1, 2] } }).ok);
    assert.ok(!history({ loss: { step: [1, null], value: [1, 2] } }).ok);
    assert.ok(!history({ loss: { step: [1, 2], value: [1, [2]] } }).ok);
    assert.ok(!history({ loss: { step: { 0: 1 }, value: [] } }).ok);
    assert.ok(!history({ loss: { step: [1] } }).ok);
    assert.ok(!history({ loss: { step: [], value: [] } }, [0, 1.5]).ok);
    assert.ok(!history({ loss: { step: [], value: [] } }, [-1]).ok);
    const bad = history({ loss: { step: [1, "x"], value: [1, 2] } });
    assert.ok(!bad.ok && bad.message.includes("series.loss.step"), !bad.ok ? bad.message : "");
  });
});
