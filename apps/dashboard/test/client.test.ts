import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSnapshotFrame, PROTOCOL_VERSION, type ServerMessage } from "@orrery/protocol";
import { DaemonClient, httpUrlOf, socketUrl, type SocketLike } from "../lib/connection/client.ts";
import { initialState, reducer } from "../lib/state/reducer.ts";
import type { Action } from "../lib/state/types.ts";
import { cleanLocation, loadSettings, normalizeDaemonUrl, runFromHash, type StorageLike } from "../lib/settings.ts";

class FakeSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  sent: Record<string, unknown>[] = [];
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  // test side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(m: ServerMessage | Uint8Array) {
    this.onmessage?.({ data: m instanceof Uint8Array ? m.slice().buffer : JSON.stringify(m) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
  last(type: string) {
    return [...this.sent].reverse().find((m) => m.type === type);
  }
}

function harness(extra: { probeHttp?: (u: string) => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const actions: Action[] = [];
  let state = initialState("ws://d:1");
  const client = new DaemonClient({
    url: "ws://d:1/",
    token: "s3cr&t",
    dispatch: (a) => {
      actions.push(a);
      state = reducer(state, a);
    },
    socket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
    random: () => 0.5,
    probeHttp: extra.probeHttp ?? null,
    now: () => 0,
    schedule: (flush) => flush(),
  });
  return { client, sockets, timers, actions, state: () => state };
}

const welcome = (runIds: string[] = ["r1"]): ServerMessage => ({
  type: "welcome",
  protocol: PROTOCOL_VERSION,
  serverVersion: "t",
  backend: { name: "cpu", reason: "test", tried: [] },
  experiments: [],
  runs: runIds.map((runId) => ({
    runId,
    experiment: "bigram-circle",
    config: {},
    references: {},
    state: "running",
    reason: null,
    step: 0,
    totalSteps: 10,
    lastSeq: 0,
    backend: "cpu",
    createdAt: 0,
    updatedAt: 0,
  })),
});

test("socket URL carries the token, url-encoded; the HTTP side of a daemon URL", () => {
  assert.equal(socketUrl("ws://h:1/", "a b&c"), "ws://h:1/?token=a%20b%26c");
  assert.equal(httpUrlOf("ws://h:1/"), "http://h:1");
  assert.equal(httpUrlOf("WSS://h.org"), "https://h.org");
  assert.equal(httpUrlOf("nonsense"), null);
});

test("hello on open; history then subscribe(afterSeq) and the latest snapshot when a run is viewed", () => {
  const h = harness();
  h.client.start();
  const ws = h.sockets[0]!;
  assert.equal(ws.url, "ws://d:1/?token=s3cr%26t");
  ws.open();
  assert.equal(ws.binaryType, "arraybuffer");
  assert.deepEqual(ws.sent[0], { type: "hello", protocol: PROTOCOL_VERSION, client: "dashboard" }, "no name: the daemon gives a guest label");
  assert.equal(h.state().connection.status, "handshaking");
  ws.receive(welcome());
  assert.equal(h.state().connection.status, "connected");
  h.client.view("r1");
  const hist = ws.last("history")!;
  assert.equal(hist.runId, "r1");
  assert.equal(typeof hist.id, "string");
  ws.receive({ type: "history", id: hist.id as string, runId: "r1", series: {}, snapshotSteps: [0, 50], lastSeq: 42 });
  assert.deepEqual(
    { ...ws.last("subscribe"), id: undefined },
    { type: "subscribe", runId: "r1", afterSeq: 42, id: undefined },
  );
  const snap = ws.last("snapshot")!;
  assert.equal(snap.step, 50);
  assert.equal(h.state().pending[snap.id as string]?.purpose, "latest");
});

test("reconnects with exponential backoff and resumes from the last seen seq without history", () => {
  const h = harness();
  h.client.start();
  let ws = h.sockets[0]!;
  ws.open();
  ws.receive(welcome());
  h.client.view("r1");
  const hist = ws.last("history")!;
  ws.receive({ type: "history", id: hist.id as string, runId: "r1", series: {}, snapshotSteps: [], lastSeq: 5 });
  ws.receive({ type: "metrics", runId: "r1", points: [{ seq: 6, step: 6, values: { loss: 1 } }, { seq: 7, step: 7, values: { loss: null } }] });
  ws.receive(encodeSnapshotFrame({ runId: "r1", seq: 8, step: 7, tensors: [{ name: "E", shape: [1, 2], data: new Float32Array([1, 2]) }] }));
  assert.equal(h.client.lastSeqOf("r1"), 8);
  assert.equal(h.state().data.r1?.latest?.step, 7);

  ws.drop();
  assert.equal(h.state().connection.status, "reconnecting");
  assert.match(h.state().connection.detail ?? "", /code 1006/);
  assert.equal(h.timers.length, 1);
  assert.equal(h.timers[0]!.ms, 500);
  // The next attempt is refused before opening (e.g. wrong token): the delay doubles.
  h.timers[0]!.fn();
  h.sockets[1]!.drop();
  assert.equal(h.timers[1]!.ms, 1000);
  assert.match(h.state().connection.detail ?? "", /token refused/);
  h.timers[1]!.fn();
  ws = h.sockets[2]!;
  ws.open();
  assert.equal(ws.sent[0]!.type, "hello");
  ws.receive(welcome());
  assert.equal(ws.last("history"), undefined);
  const sub = ws.last("subscribe")!;
  assert.equal(sub.afterSeq, 8);
  // Backoff resets after a welcome.
  ws.drop();
  assert.equal(h.timers[2]!.ms, 500);
});

test("switching runs unsubscribes the old one; answers for a run no longer viewed are not subscribed", () => {
  const h = harness();
  h.client.start();
  const ws = h.sockets[0]!;
  ws.open();
  ws.receive(welcome(["r1", "r2"]));
  h.client.view("r1");
  const h1 = ws.last("history")!;
  ws.receive({ type: "history", id: h1.id as string, runId: "r1", series: {}, snapshotSteps: [], lastSeq: 1 });
  h.client.view("r2");
  assert.equal(ws.last("unsubscribe")!.runId, "r1");
  const h2 = ws.last("history")!;
  h.client.view("r1");
  const before = ws.sent.length;
  ws.receive({ type: "history", id: h2.id as string, runId: "r2", series: {}, snapshotSteps: [], lastSeq: 3 });
  assert.ok(!ws.sent.slice(before).some((m) => m.type === "subscribe" && m.runId === "r2"));
});

test("commands carry ids and are recorded as pending; offline commands become a visible error", () => {
  const h = harness();
  h.client.start();
  assert.equal(h.client.command({ type: "pause", runId: "r1" }), null);
  assert.match(h.state().errors[0]!.message, /not connected/);
  const ws = h.sockets[0]!;
  ws.open();
  ws.receive(welcome());
  const id = h.client.command({ type: "step", runId: "r1", n: 1 });
  assert.ok(id);
  assert.deepEqual(ws.last("step"), { type: "step", runId: "r1", n: 1, id });
  assert.equal(h.state().pending[id!]?.kind, "step");
});

test("unparseable messages are reported, not thrown", () => {
  const h = harness();
  h.client.start();
  const ws = h.sockets[0]!;
  ws.open();
  ws.onmessage?.({ data: "{nope" });
  ws.onmessage?.({ data: new Uint8Array([1, 2, 3]).buffer });
  assert.equal(h.state().errors.length, 2);
});

test("a socket refused before opening is explained by probing the daemon's HTTP side", async () => {
  const probed: string[] = [];
  const h = harness({ probeHttp: async (u) => (probed.push(u), true) });
  h.client.start();
  h.sockets[0]!.drop();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(probed, ["http://d:1/health"]);
  assert.match(h.state().connection.detail ?? "", /check the token/);
  assert.equal(h.state().connection.status, "reconnecting");

  const down = harness({ probeHttp: async () => false });
  down.client.start();
  down.sockets[0]!.drop();
  await new Promise((r) => setTimeout(r, 0));
  assert.match(down.state().connection.detail ?? "", /no daemon answers/);
});

test("close() stops reconnecting", () => {
  const h = harness();
  h.client.start();
  const ws = h.sockets[0]!;
  h.client.close();
  ws.drop();
  assert.equal(h.timers.length, 0);
});

test("settings: query wins and is remembered; defaults; hash; token dropped from the address bar", () => {
  const mem = new Map<string, string>();
  const storage: StorageLike = {
    getItem: (k) => mem.get(k) ?? null,
    setItem: (k, v) => void mem.set(k, v),
    removeItem: (k) => void mem.delete(k),
  };
  assert.deepEqual(loadSettings("", storage), { url: "ws://127.0.0.1:8787", token: "" });
  assert.deepEqual(loadSettings("?daemon=ws://h:9/&token=t1", storage), { url: "ws://h:9", token: "t1" });
  assert.deepEqual(loadSettings("", storage), { url: "ws://h:9", token: "t1" });
  assert.equal(normalizeDaemonUrl("10.0.0.2:8787"), "ws://10.0.0.2:8787");
  assert.equal(normalizeDaemonUrl("https://x.org/"), "wss://x.org");
  assert.equal(runFromHash("#run=abc-1"), "abc-1");
  assert.equal(cleanLocation("http://a/?daemon=ws://h:9&token=t1", "r9"), "/?daemon=ws%3A%2F%2Fh%3A9#run=r9");
});
