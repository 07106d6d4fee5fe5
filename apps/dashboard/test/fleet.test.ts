import { test } from "node:test";
import assert from "node:assert/strict";
import { PROTOCOL_VERSION, type ServerMessage } from "@orrery/protocol";
import { fleetReducer } from "../lib/connection/useDaemonFleet.ts";
import { loadDaemons, saveDaemons, withDaemon, withoutDaemon, type StorageLike } from "../lib/settings.ts";

const memory = (): StorageLike & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
};

test("the watched daemons: added once by normalized URL (a new token replaces the old), removed, stored and read back", () => {
  let ds = withDaemon([], { url: "127.0.0.1:8787", token: "a" });
  ds = withDaemon(ds, { url: "wss://gpu.example.org/orrery/", token: "b" });
  ds = withDaemon(ds, { url: "ws://127.0.0.1:8787", token: "c" });
  assert.deepEqual(ds, [
    { url: "ws://127.0.0.1:8787", token: "c" },
    { url: "wss://gpu.example.org/orrery", token: "b" },
  ]);
  const storage = memory();
  saveDaemons(ds, storage);
  assert.deepEqual(loadDaemons(storage), ds);
  assert.deepEqual(withoutDaemon(ds, "ws://127.0.0.1:8787"), [ds[1]]);
  storage.setItem("orrery.daemons", "{not json");
  assert.deepEqual(loadDaemons(storage), [], "a corrupt list reads as empty, never throws");
  storage.setItem("orrery.daemons", JSON.stringify([{ url: 3 }, { url: "h:1", token: "t" }]));
  assert.deepEqual(loadDaemons(storage), [{ url: "ws://h:1", token: "t" }], "malformed entries are skipped");
});

test("fleet state: each daemon's actions reach only its own state; dropping a daemon drops its state", () => {
  const welcome = (runId: string): ServerMessage => ({
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    serverVersion: "t",
    backend: { name: "cpu", reason: "test", tried: [] },
    experiments: [],
    runs: [{ runId, experiment: "e", config: {}, state: "running", reason: null, step: 1, totalSteps: 10, lastSeq: 1, backend: "cpu", createdAt: 0, updatedAt: 0, references: {} }],
    role: "viewer",
  });
  let s = fleetReducer({}, { keep: ["ws://a:1", "ws://b:2"] });
  s = fleetReducer(s, { url: "ws://a:1", action: { type: "server", message: welcome("ra") } });
  s = fleetReducer(s, { url: "ws://b:2", action: { type: "connection", status: "reconnecting", detail: "no daemon answers" } });
  assert.deepEqual(Object.keys(s["ws://a:1"]!.runs), ["ra"]);
  assert.equal(s["ws://a:1"]!.connection.status, "connected");
  assert.equal(s["ws://a:1"]!.role, "viewer");
  assert.deepEqual(Object.keys(s["ws://b:2"]!.runs), []);
  assert.equal(s["ws://b:2"]!.connection.detail, "no daemon answers");
  s = fleetReducer(s, { keep: ["ws://b:2"] });
  assert.deepEqual(Object.keys(s), ["ws://b:2"]);
});
