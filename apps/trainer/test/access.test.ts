import { test } from "node:test";
import assert from "node:assert/strict";
import { RunStore } from "@orrery/store";
import type { ClientMessage } from "@orrery/protocol";
import { AccessControl } from "../src/server/access.ts";

test("share links: hashed, scoped, expiring, revocable; the owner token grants everything", () => {
  const store = RunStore.open(":memory:");
  const access = new AccessControl(store, "owner-secret");
  assert.equal(access.authenticate("owner-secret")?.role, "owner");
  assert.equal(access.authenticate("nope"), null);
  assert.equal(access.authenticate(null), null);

  const t0 = 1_000_000;
  const { link, token } = access.createLink({ role: "controller", runIds: ["a"], expiresInS: 60 }, t0);
  assert.ok(!JSON.stringify(store.links.list()).includes(token), "only the hash is stored");
  const granted = access.authenticate(token, t0 + 59_000)!;
  assert.deepEqual([granted.role, [...granted.runIds!], granted.linkId], ["controller", ["a"], link.linkId]);
  const msg = (m: object) => m as ClientMessage;
  assert.equal(access.refusal(granted, msg({ type: "pause", id: "1", runId: "a" }), t0), null);
  assert.match(access.refusal(granted, msg({ type: "pause", id: "1", runId: "b" }), t0)!, /does not grant run b/);
  assert.match(access.refusal(granted, msg({ type: "start", id: "1", experiment: "x" }), t0)!, /cannot start new ones/);
  assert.match(access.refusal(granted, msg({ type: "revokeLink", id: "1", linkId: "z" }), t0)!, /controller may not revokeLink \(needs owner\)/);
  assert.match(access.refusal(granted, msg({ type: "listRuns", id: "1" }), t0 + 60_000)!, /expired/);
  assert.equal(access.authenticate(token, t0 + 60_000), null, "expired at the upgrade too");

  const viewer = access.createLink({ role: "viewer" });
  assert.equal(access.revoke(viewer.link.linkId), true);
  assert.equal(access.revoke(viewer.link.linkId), false, "already revoked");
  assert.equal(access.authenticate(viewer.token), null);
  store.close();
});
