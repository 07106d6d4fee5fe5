import { test } from "node:test";
import assert from "node:assert/strict";
import type { InterventionRecord } from "@orrery/protocol";
import { batchSizeIntervention, dataKnobs } from "../lib/interventions.ts";

const record = (seq: number, intervention: InterventionRecord["intervention"]): InterventionRecord => ({ seq, step: seq * 10, at: 0, by: "t", intervention, summary: "" });

test("data knobs: offered for the keys the run's config has, at the log's latest values", () => {
  assert.deepEqual(dataKnobs({ lr: 0.1, p: 29 }, []), {}, "no data keys: no Data row");
  assert.deepEqual(dataKnobs(undefined, []), {});
  const graph = { graph: "cycle", self_edges: false, direction: "both", d: 16 };
  assert.deepEqual(dataKnobs(graph, []), { self_edges: false, direction: "both" });
  const log = [
    record(1, { kind: "data", self_edges: true }),
    record(2, { kind: "hyper", lr: 0.01 }),
    record(3, { kind: "data", direction: "forward", batch_size: 8 }),
  ];
  assert.deepEqual(dataKnobs(graph, log), { self_edges: true, direction: "forward" }, "batch_size is not a key of this run");
  assert.deepEqual(dataKnobs({ batch_size: 32 }, log), { batch_size: 8 });
});

test("batch size text: a whole number ≥ 1, or the reason", () => {
  assert.deepEqual(batchSizeIntervention(" 64 "), { kind: "data", batch_size: 64 });
  for (const bad of ["", "0", "2.5", "abc"]) assert.equal(typeof batchSizeIntervention(bad), "string", bad);
});
