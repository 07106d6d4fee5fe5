import { test } from "node:test";
import assert from "node:assert/strict";
import { CoolDown, MessageLimiter, type RateLimits, type Verdict } from "../src/server/rate-limit.ts";

const limits: RateLimits = { messagesPerSecond: 100, burstMessages: 200, bytesPerSecond: 10_000, burstBytes: 50_000, closeAfterDropped: 2000, coolDownMs: 10_000 };

function clocked(l: RateLimits = limits) {
  let t = 0;
  const limiter = new MessageLimiter(l, () => t);
  return { limiter, advance: (ms: number) => void (t += ms) };
}

const count = (verdicts: Verdict[]) => verdicts.reduce<Record<string, number>>((c, v) => ((c[v] = (c[v] ?? 0) + 1), c), {});

test("rate limit: a burst passes, the next message is refused once, the rest of the run dropped silently", () => {
  const { limiter, advance } = clocked();
  const verdicts = Array.from({ length: 250 }, () => limiter.admit(10));
  assert.deepEqual(count(verdicts), { pass: 200, refuse: 1, drop: 49 });
  assert.equal(verdicts[200], "refuse");
  advance(10); // one message's worth of time
  assert.equal(limiter.admit(10), "pass");
  assert.equal(limiter.admit(10), "refuse", "a new run of drops is announced again, at most once per admitted message");
  assert.equal(limiter.dropped, 51);
});

test("rate limit: the sustained rate passes indefinitely", () => {
  const { limiter, advance } = clocked();
  for (let i = 0; i < 10_000; i++) {
    assert.equal(limiter.admit(10), "pass", `message ${i}`);
    advance(10);
  }
});

test("rate limit: bytes per second are bounded too, before any parsing", () => {
  const { limiter, advance } = clocked();
  assert.equal(limiter.admit(40_000), "pass");
  assert.equal(limiter.admit(20_000), "refuse", "the byte bucket has 10 000 left");
  assert.equal(limiter.admit(5_000), "pass", "a smaller message still fits");
  advance(1000);
  assert.equal(limiter.admit(15_000), "pass", "refilled at 10 000 bytes/s");
});

test("rate limit: a client flooding at 10× the rate is closed within a few seconds; at 1.5× it only loses the excess", () => {
  const flood = (timesTheRate: number, seconds: number) => {
    const { limiter, advance } = clocked();
    const perMs = timesTheRate * limits.messagesPerSecond / 1000;
    for (let ms = 0, sent = 0; ms < seconds * 1000; ms++) {
      advance(1);
      for (; sent < perMs * (ms + 1); sent++) if (limiter.admit(10) === "close") return ms / 1000;
    }
    return null;
  };
  const at10 = flood(10, 10);
  assert.ok(at10 !== null && at10 > 1 && at10 < 4, `closed after ${at10} s`);
  assert.equal(flood(1.5, 30), null, "never closed");
  assert.ok(flood(1000, 1)! < 0.1, "a flat-out flood is closed at once");
});

test("rate limit: after closing, everything is dropped (no second close or reply)", () => {
  const { limiter } = clocked({ ...limits, closeAfterDropped: 5 });
  const verdicts = Array.from({ length: 220 }, () => limiter.admit(1));
  assert.deepEqual(count(verdicts), { pass: 200, refuse: 1, drop: 18, close: 1 });
  assert.equal(verdicts.indexOf("close"), 205);
});

test("cool-down: a key closed for flooding waits, others do not, and it expires", () => {
  let t = 0;
  const coolDown = new CoolDown(10_000, () => t);
  coolDown.start("127.0.0.1\u0000viewer-token");
  t += 4000;
  assert.equal(coolDown.remaining("127.0.0.1\u0000viewer-token"), 6000);
  assert.equal(coolDown.remaining("127.0.0.1\u0000owner-token"), 0, "another token from the same address");
  assert.equal(coolDown.remaining("10.0.0.9\u0000viewer-token"), 0, "the same token from another address");
  t += 6000;
  assert.equal(coolDown.remaining("127.0.0.1\u0000viewer-token"), 0);
});
