import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConfigField } from "@orrery/protocol";
import { defaultFormValues, formToConfig } from "../components/ConfigForm.tsx";

const fields: ConfigField[] = [
  { key: "lr", label: "lr", kind: "number", default: 0.01, min: 0 },
  { key: "graph", label: "graph", kind: "enum", default: "cycle", options: [{ value: "cycle", label: "cycle" }] },
  { key: "edges", label: "edges", kind: "text", default: "", maxLength: 10 },
  { key: "self", label: "self", kind: "boolean", default: false },
];

test("form values become a config; text fields pass through and respect their limit", () => {
  const values = { ...defaultFormValues(fields), edges: "0 1\n1 2" };
  assert.deepEqual(formToConfig(fields, values), { config: { lr: 0.01, graph: "cycle", edges: "0 1\n1 2", self: false }, problems: {} });
  const long = formToConfig(fields, { ...values, edges: "0 1\n1 2\n2 3\n" });
  assert.equal(long.problems.edges, "at most 10 characters");
  assert.equal(formToConfig(fields, { ...values, lr: "-1" }).problems.lr, "at least 0");
});
