import { test } from "node:test";
import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { PROTOCOL_VERSION, type ServerMessage } from "@orrery/protocol";
import { DaemonClient, socketUrl, type SocketLike } from "../lib/connection/client.ts";
import { EARLY_HISTORY_ID, EARLY_SOCKET_GLOBAL, earlySocketScript, takeEarlySocket, type EarlySocket } from "../lib/connection/early-socket.ts";
import { loadName, loadSelectedRun, loadSettings, type StorageLike } from "../lib/settings.ts";
import { initialState, reducer } from "../lib/state/reducer.ts";
import type { Action } from "../lib/state/types.ts";

class FakeSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.readyState = 3;
    this.closedWith = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(m: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

const memoryStorage = (items: Record<string, string>): StorageLike => {
  const m = new Map(Object.entries(items));
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
};

/** Runs the inline script in a bare context with this location and storage; returns what it left on `window`. */
function runScript(search: string, hash: string, items: Record<string, string>): EarlySocket & { ws: FakeSocket } {
  const window: Record<string, unknown> = { location: { search, hash }, localStorage: memoryStorage(items) };
  runInNewContext(earlySocketScript(PROTOCOL_VERSION, 2000), {
    window,
    URLSearchParams,
    WebSocket: FakeSocket,
  });
  return window[EARLY_SOCKET_GLOBAL] as EarlySocket & { ws: FakeSocket };
}

const summary = (runId: string, step = 10) => ({
  runId,
  experiment: "bigram-circle",
  config: {},
  references: {},
  state: "finished" as const,
  reason: null,
  step,
  totalSteps: 10,
  lastSeq: 7,
  backend: "cpu",
  createdAt: 0,
  updatedAt: 0,
});

const welcome = (runIds: string[]): ServerMessage => ({
  type: "welcome",
  protocol: PROTOCOL_VERSION,
  serverVersion: "t",
  backend: { name: "cpu", reason: "test", tried: [] },
  experiments: [],
  runs: runIds.map((runId) => summary(runId)),
});

test("the inline script reads the daemon, token, run and name as the dashboard does", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["?daemon=ws%3A%2F%2Fh%3A9%2F&token=a%20b%26c", "#run=r%201", {}],
    ["", "", {}],
    ["?daemon=http://lab.example.org", "", { "orrery.token": "t", "orrery.run:ws://lab.example.org": "kept", "orrery.name": "  Ada " }],
    ["", "#x=1&run=r2", { "orrery.daemon": "h:1//", "orrery.token": "s" }],
    ["?token=only", "", { "orrery.daemon": "  " }],
  ];
  for (const [search, hash, items] of cases) {
    const early = runScript(search, hash, items);
    const settings = loadSettings(search, memoryStorage(items));
    assert.equal(early.url, settings.url, search);
    assert.equal(early.token, settings.token, search);
    assert.equal(early.runId, loadSelectedRun(hash, settings.url, memoryStorage(items)), hash);
    assert.equal(early.name, loadName(memoryStorage(items)).trim());
    assert.equal(early.ws.url, socketUrl(settings.url, settings.token));
    assert.equal(early.ws.binaryType, "arraybuffer");
  }
});

test("the inline script says hello, buffers what it hears, and asks for the run's history once the welcome lists it", () => {
  const early = runScript("?daemon=ws://h:1&token=t", "#run=r1", { "orrery.name": "Ada" });
  early.ws.open();
  assert.ok(early.opened);
  assert.deepEqual(early.ws.sent, [{ type: "hello", protocol: PROTOCOL_VERSION, client: "dashboard", name: "Ada" }]);
  early.ws.receive(welcome(["r1", "r2"]));
  assert.deepEqual(early.ws.sent[1], { type: "history", runId: "r1", maxPoints: 2000, id: EARLY_HISTORY_ID });
  assert.equal(early.historyFor, "r1");
  assert.equal(early.messages.length, 1);

  const unknown = runScript("?daemon=ws://h:1&token=t", "#run=gone", {});
  unknown.ws.open();
  unknown.ws.receive(welcome(["r1"]));
  assert.equal(unknown.ws.sent.length, 1, "a run the daemon does not list is not asked for");
  assert.equal(unknown.historyFor, null);
});

test("the client takes the early socket over: one history request, its answer subscribes, everything dispatched", () => {
  const early = runScript("?daemon=ws://d:1&token=k", "#run=r1", {});
  early.ws.open();
  early.ws.receive(welcome(["r1"]));
  early.ws.receive({ type: "history", id: EARLY_HISTORY_ID, runId: "r1", series: { loss: { step: [1, 2], value: [3, 4] } }, snapshotSteps: [0, 50], lastSeq: 7 });

  const actions: Action[] = [];
  let state = initialState("ws://d:1");
  state = reducer(state, { type: "reset", url: "ws://d:1", selectedRunId: "r1" });
  const made: FakeSocket[] = [];
  const client = new DaemonClient({
    url: "ws://d:1",
    token: "k",
    dispatch: (a) => {
      actions.push(a);
      state = reducer(state, a);
    },
    socket: (u) => {
      const s = new FakeSocket(u);
      made.push(s);
      return s;
    },
    probeHttp: null,
    schedule: (flush) => flush(),
    early: (url, token, name) => takeEarlySocket(url, token, name, { [EARLY_SOCKET_GLOBAL]: early }),
  });
  client.view("r1");
  client.start();
  assert.equal(made.length, 0, "no second socket");
  assert.equal(state.connection.status, "connected");
  assert.deepEqual(state.data.r1?.series.loss?.step, [1, 2]);
  assert.deepEqual(state.pending[EARLY_HISTORY_ID], undefined, "the early request was recorded, then answered");
  const types = early.ws.sent.map((m) => m.type);
  assert.deepEqual(types, ["hello", "history", "subscribe", "snapshot"]);
  assert.equal(early.ws.sent[2]!.afterSeq, 7);
  assert.equal(early.ws.sent[3]!.step, 50);
  assert.equal(early.messages.length, 0);

  // What arrives afterwards goes to the client.
  early.ws.receive({ type: "run", run: summary("r1", 11) });
  assert.equal(state.runs.r1?.step, 11);
  client.close();
});

test("an early socket still opening is taken over too: the client's own handshake and history follow", () => {
  const early = runScript("?daemon=ws://d:1&token=k", "#run=r1", {});
  const client = new DaemonClient({
    url: "ws://d:1",
    token: "k",
    dispatch: () => {},
    probeHttp: null,
    schedule: (flush) => flush(),
    early: (url, token, name) => takeEarlySocket(url, token, name, { [EARLY_SOCKET_GLOBAL]: early }),
  });
  client.view("r1");
  client.start();
  early.ws.open();
  early.ws.receive(welcome(["r1"]));
  assert.deepEqual(early.ws.sent.map((m) => m.type), ["hello", "history"]);
  assert.notEqual(early.ws.sent[1]!.id, EARLY_HISTORY_ID, "the client's own request");
  client.close();
});

test("an early socket for another daemon, token or name is closed, not used", () => {
  for (const [url, token, name] of [["ws://other:1", "k", ""], ["ws://d:1", "other", ""], ["ws://d:1", "k", "Ada"]] as const) {
    const early = runScript("?daemon=ws://d:1&token=k", "", {});
    const host: Record<string, unknown> = { [EARLY_SOCKET_GLOBAL]: early };
    assert.equal(takeEarlySocket(url, token, name, host), null);
    assert.equal(early.ws.closedWith, 1000);
    assert.equal(host[EARLY_SOCKET_GLOBAL], undefined);
  }
  const closed = runScript("?daemon=ws://d:1&token=k", "", {});
  closed.ws.readyState = 3;
  assert.equal(takeEarlySocket("ws://d:1", "k", "", { [EARLY_SOCKET_GLOBAL]: closed }), null);
  assert.equal(takeEarlySocket("ws://d:1", "k", "", {}), null);
});
