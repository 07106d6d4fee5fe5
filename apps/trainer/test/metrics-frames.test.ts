import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerMessage } from "@orrery/protocol";
import { metricsFrames } from "../src/server/metrics-frames.ts";

const point = (seq: number) => ({ seq, step: seq, values: { loss: 1 / seq } });

test("a batch is encoded once for every viewer; another range or run is another frame; the frame is the protocol's message", () => {
  const batch = [point(1), point(2), point(4)];
  const a = metricsFrames.encode("r", batch);
  assert.equal(metricsFrames.encode("r", [...batch]), a, "the same batch (equal, not the same array) reuses the frame");
  assert.notEqual(metricsFrames.encode("r", batch.slice(1)), a);
  assert.notEqual(metricsFrames.encode("other", batch), a);
  const parsed = parseServerMessage(a.toString("utf8"));
  assert.ok(parsed.ok && parsed.message.type === "metrics");
  assert.deepEqual(parsed.message.points, batch);
});
