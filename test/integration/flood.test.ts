import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { WebSocket } from "ws";
import { DaemonClient, sleep } from "../helpers/daemon-client.ts";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("flood");
const owner = () => fixture.client();
const url = () => fixture.daemon().url;
const httpUrl = () => url().replace(/^ws/, "http");
const TOKEN = "flood-token";

const FLOOD_MESSAGES = 20_000;

describe("a flooding client", () => {
  test("is rate-limited with one reply per run of drops, then closed (1008) and kept out a while; a viewer and the run carry on", { timeout: 60_000 }, async (t) => {
    const run = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } }));
    const { client: viewer } = await DaemonClient.connect(url(), TOKEN);
    await viewer.request({ type: "subscribe", runId: run.runId });
    await viewer.waitForJson((m) => m.type === "metrics" && m.runId === run.runId);

    // The flooder holds a viewer link (whoever got a shared link); the owner's own connections are not its.
    const link = await owner().request({ type: "createLink", role: "viewer", label: "flooder" });
    assert.ok(link.type === "link");
    const { client: flooder } = await DaemonClient.connect(url(), link.token);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      flooder.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const fromFlooder = flooder.received.length;
    const fromViewer = viewer.received.length;
    const stepAtStart = fixture.daemon().manager.get(run.runId).step;
    const floodStart = performance.now();

    // A bounded loop, as fast as the socket takes it: valid requests, junk JSON, frames over the 64 KiB limit.
    const oversized = JSON.stringify({ type: "listRuns", id: "big", pad: "x".repeat(70 * 1024) });
    let sent = 0;
    const answered = viewer.request({ type: "listRuns" }); // a well-behaved request in the middle of the flood
    while (sent < FLOOD_MESSAGES && flooder.ws.readyState === WebSocket.OPEN) {
      for (let i = 0; i < 500; i++, sent++) {
        flooder.ws.send(sent % 100 === 99 ? oversized : sent % 3 === 0 ? "{not json" : JSON.stringify({ type: "listRuns", id: `f${sent}` }));
      }
      await new Promise((r) => setImmediate(r));
    }
    const { code, reason } = await closed;
    const floodEnd = performance.now();
    assert.equal(code, 1008, "closed for policy");
    assert.equal(reason, "rate limit exceeded");

    const replies = flooder.jsonMessages(fromFlooder);
    const errors = replies.flatMap((m) => (m.type === "error" ? [m] : []));
    const rateLimited = errors.filter((e) => e.code === "rate_limited").length;
    const handled = replies.length - rateLimited;
    assert.ok(rateLimited >= 1, "told it is rate-limited");
    assert.ok(rateLimited <= handled + 1, `at most one rate_limited per admitted message (${rateLimited} vs ${handled})`);
    assert.ok(handled < sent / 2, `most of the flood was dropped unread (${handled} of ${sent} handled)`);
    assert.ok(errors.some((e) => e.code === "too_large") && errors.some((e) => e.code === "bad_json"), "the admitted part was handled as usual");

    // The viewer's request was answered and its stream kept flowing during the flood.
    const runs = await answered;
    assert.ok(runs.type === "runs" && runs.runs.some((r) => r.runId === run.runId));
    await viewer.waitFor(() => viewer.received.slice(fromViewer).find((r) => r.at > floodEnd && r.kind === "json" && r.message.type === "metrics"));
    const during = viewer.received.slice(fromViewer).filter((r) => r.kind === "json" && r.message.type === "metrics" && r.at <= floodEnd + 200);
    assert.ok(during.length > 0, "metrics arrived while the flood was on");
    const stepAfter = fixture.daemon().manager.get(run.runId).step;
    const summary = `sent ${sent}, handled ${handled}, ${rateLimited} rate_limited, closed after ${(floodEnd - floodStart).toFixed(0)} ms; run ${stepAtStart} → ${stepAfter}`;
    t.diagnostic(summary);
    assert.ok(stepAfter > stepAtStart, `the run kept stepping (${summary})`);

    // The flooder's token waits a while before it may connect again (HTTP 429); the daemon is up and serves others.
    await assert.rejects(DaemonClient.open(url(), link.token), /HTTP 429/);
    const health = await fetch(`${httpUrl()}/health`);
    assert.equal(health.status, 200);
    const { client: newcomer, welcome } = await DaemonClient.connect(url(), TOKEN);
    assert.ok(welcome.runs.some((r) => r.runId === run.runId && r.state === "running"));
    await newcomer.close();
    await viewer.close();
    await owner().request({ type: "stop", runId: run.runId });
  });

  test("a client just over the rate loses only the excess and stays connected", { timeout: 30_000 }, async () => {
    const { client } = await DaemonClient.connect(url(), TOKEN);
    const from = client.received.length;
    // 400 messages at once: the burst (200) passes, the rest is dropped with a single refusal.
    for (let i = 0; i < 400; i++) client.sendRaw({ type: "listRuns", id: `b${i}` });
    await client.waitFor(() => (client.jsonMessages(from).filter((m) => m.type === "runs").length >= 200 ? true : undefined));
    await sleep(300);
    const replies = client.jsonMessages(from);
    const answered = replies.filter((m) => m.type === "runs").length;
    const refusals = replies.filter((m) => m.type === "error" && m.code === "rate_limited").length;
    assert.ok(answered < 260, `the excess was dropped (${answered} answered)`);
    // The frames arrive over a few ms, in which the bucket refills a little: each run of drops is announced once.
    assert.ok(refusals >= 1 && refusals <= answered - 200 + 1, `${refusals} refusals for ${answered - 200} admitted after the burst`);
    assert.equal(client.ws.readyState, WebSocket.OPEN);
    const reply = await client.request({ type: "listRuns" });
    assert.equal(reply.type, "runs", "answered again once the rate fell");
    await client.close();
  });
});

describe("refused upgrades", () => {
  test("a client that resets its connection after a refusal (401, 403) does not take the daemon down", async () => {
    const { port } = fixture.daemon();
    const refusedThenReset = (headers: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () =>
          socket.write(`GET /?token=${headers.includes("Origin") ? TOKEN : "wrong"} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`),
        );
        socket.once("data", (d) => (socket.resetAndDestroy(), resolve(d.toString().split("\r\n")[0]!)));
        socket.once("error", reject);
      });
    for (let i = 0; i < 20; i++) {
      assert.equal(await refusedThenReset(""), "HTTP/1.1 401 Unauthorized");
      assert.equal(await refusedThenReset("Origin: https://evil.example\r\n"), "HTTP/1.1 403 Forbidden");
    }
    await sleep(100);
    assert.equal((await fetch(`${httpUrl()}/health`)).status, 200, "still up");
  });
});

describe("origin allow-list", () => {
  const upgrade = (origin?: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${url()}/?token=${TOKEN}`, origin ? { origin } : {});
      ws.once("open", () => (ws.close(), resolve(101)));
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", reject);
    });

  test("a page on a disallowed origin gets 403 at the upgrade; loopback pages and non-browser clients connect", async () => {
    assert.equal(await upgrade("https://evil.example"), 403);
    assert.equal(await upgrade("null"), 403);
    assert.equal(await upgrade("http://localhost:3000"), 101);
    assert.equal(await upgrade("http://127.0.0.1:41234"), 101);
    assert.equal(await upgrade(), 101);
  });

  test("HTTP routes: CORS for allowed origins (checkpoint upload preflight), 403 for others", async () => {
    const route = `${httpUrl()}/checkpoints/uploads/x.safetensors?token=${TOKEN}`;
    const preflight = await fetch(route, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "PUT" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /PUT/);
    const put = await fetch(route, { method: "PUT", headers: { origin: "http://localhost:3000" }, body: "not safetensors" });
    assert.equal(put.status, 400, "reaches the route");
    assert.equal(put.headers.get("access-control-allow-origin"), "http://localhost:3000", "and the page may read the answer");
    const refused = await fetch(route, { method: "PUT", headers: { origin: "https://evil.example" }, body: "x" });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    assert.equal((await fetch(`${httpUrl()}/health`)).status, 200, "no Origin: not a browser, passes");
  });
});
