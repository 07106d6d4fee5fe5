import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DaemonClient } from "../helpers/daemon-client.ts";
import { daemonFixture, runOf } from "../helpers/daemon-fixture.ts";

const fixture = daemonFixture("sharing");
const owner = () => fixture.client();
const url = () => fixture.daemon().url;

async function link(role: "viewer" | "controller", runIds?: string[]) {
  const reply = await owner().request({ type: "createLink", role, ...(runIds && { runIds }), label: `${role} test` });
  assert.ok(reply.type === "link", JSON.stringify(reply));
  return reply;
}

describe("roles and share links, enforced by the daemon", () => {
  test("a viewer link for one run: sees only it, live; every control message is refused and changes nothing", async () => {
    const shared = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } }));
    const other = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } }));
    const { token, link: info } = await link("viewer", [shared.runId]);
    assert.equal(info.role, "viewer");
    assert.ok(!JSON.stringify((await owner().request({ type: "listLinks" }))).includes(token), "listed links never carry tokens");

    const { client: viewer, welcome } = await DaemonClient.connect(url(), token);
    try {
      assert.equal(welcome.role, "viewer");
      assert.deepEqual(welcome.runs.map((r) => r.runId), [shared.runId]);
      await viewer.request({ type: "subscribe", runId: shared.runId });
      await viewer.waitForJson((m) => m.type === "metrics" && m.runId === shared.runId);
      for (const msg of [
        { type: "pause", runId: shared.runId },
        { type: "intervene", runId: shared.runId, intervention: { kind: "freeze", groups: ["E"] } },
        { type: "start", experiment: "bigram-circle" },
        { type: "createLink", role: "viewer" },
      ]) {
        await assert.rejects(viewer.request(msg), /^Error: forbidden: a viewer may not/, msg.type);
      }
      await assert.rejects(viewer.request({ type: "subscribe", runId: other.runId }), /forbidden: this link does not grant run/);
      const runs = await owner().request({ type: "listRuns" });
      assert.ok(runs.type === "runs" && runs.runs.find((r) => r.runId === shared.runId)!.state === "running", "the run kept going");
    } finally {
      await viewer.close();
    }
    for (const runId of [shared.runId, other.runId]) await owner().request({ type: "stop", runId });
  });

  test("presence: everyone subscribed to a run sees who watches it (name or guest label, role), live as people come and go", async () => {
    const run = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } }));
    const { client: alice } = await DaemonClient.connect(url(), fixture.daemon().token, "Alice");
    const { token } = await link("viewer", [run.runId]);
    const bob = await DaemonClient.open(url(), token);
    try {
      bob.sendRaw({ type: "hello", protocol: 2, client: "test" });
      const welcome = await bob.waitForJson((m) => m.type === "welcome");
      assert.ok(welcome.type === "welcome" && welcome.you && /^guest-[0-9a-f]{6}$/.test(welcome.you.name), "a nameless client gets a guest label");
      const guest = welcome.you!;
      await alice.request({ type: "subscribe", runId: run.runId });
      const from = alice.received.length;
      await bob.request({ type: "subscribe", runId: run.runId });
      const both = await alice.waitForJson((m) => m.type === "presence" && m.runId === run.runId && m.watchers.length === 2, 5000, from);
      assert.ok(both.type === "presence");
      assert.deepEqual(both.watchers.map((w) => `${w.name}:${w.role}`).sort(), ["Alice:owner", `${guest.name}:viewer`].sort());
      await bob.waitForJson((m) => m.type === "presence" && m.watchers.some((w) => w.name === "Alice"));

      // Who drove an intervention is its record's `by`.
      const rec = await alice.request({ type: "intervene", runId: run.runId, intervention: { kind: "freeze", groups: ["W1"] } });
      assert.ok(rec.type === "intervention" && rec.record.by === "Alice");
      const annotated = await bob.request({ type: "annotate", runId: run.runId, step: 1, text: "hi" });
      assert.ok(annotated.type === "annotation" && annotated.annotation.by === guest.name);

      const mark = alice.received.length;
      await bob.close();
      const alone = await alice.waitForJson((m) => m.type === "presence" && m.runId === run.runId, 5000, mark);
      assert.ok(alone.type === "presence");
      assert.deepEqual(alone.watchers.map((w) => w.name), ["Alice"]);
    } finally {
      await alice.close();
      await bob.close();
    }
    await owner().request({ type: "stop", runId: run.runId });
  });

  test("a controller link steers its run; revoking a link closes its viewers within a second and refuses it after", async () => {
    const run = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 1_000_000 } }));
    const controller = await link("controller", [run.runId]);
    const { client: steer } = await DaemonClient.connect(url(), controller.token);
    assert.equal(runOf(await steer.request({ type: "pause", runId: run.runId })).state, "paused");
    await steer.close();

    const viewer = await link("viewer");
    const { client: watcher } = await DaemonClient.connect(url(), viewer.token);
    const closed = new Promise<number>((resolve) => watcher.ws.once("close", (code) => resolve(code)));
    const started = performance.now();
    await owner().request({ type: "revokeLink", linkId: viewer.link.linkId });
    assert.equal(await closed, 4001);
    assert.ok(performance.now() - started < 1000, "closed within a second");
    await assert.rejects(DaemonClient.open(url(), viewer.token), /401/);
    const links = await owner().request({ type: "listLinks" });
    assert.ok(links.type === "links" && links.items.find((l) => l.linkId === viewer.link.linkId)?.revokedAt !== null);
    await owner().request({ type: "stop", runId: run.runId });
  });
});

describe("annotations", () => {
  test("a viewer pins a comment to a step: stored with the run, streamed live to the owner, in the history", async () => {
    const run = runOf(await owner().request({ type: "start", experiment: "bigram-circle", config: { steps: 200 } }));
    await owner().request({ type: "subscribe", runId: run.runId });
    const { token } = await link("viewer", [run.runId]);
    const { client: viewer } = await DaemonClient.connect(url(), token);
    try {
      const reply = await viewer.request({ type: "annotate", runId: run.runId, step: 5, text: "the plateau starts here" });
      assert.ok(reply.type === "annotation" && reply.annotation.step === 5 && reply.annotation.by === "test", JSON.stringify(reply));
      const live = await owner().waitForJson((m) => m.type === "annotation" && m.id === null && m.annotation.seq === reply.annotation.seq);
      assert.ok(live.type === "annotation" && live.annotation.text === "the plateau starts here");
      const history = await owner().request({ type: "history", runId: run.runId, maxPoints: 100 });
      assert.ok(history.type === "history");
      assert.deepEqual(history.annotations?.map((a) => [a.step, a.text]), [[5, "the plateau starts here"]]);
      await assert.rejects(viewer.request({ type: "annotate", runId: run.runId, step: 1, text: "   " }), /bad_message/);
    } finally {
      await viewer.close();
    }
  });
});
