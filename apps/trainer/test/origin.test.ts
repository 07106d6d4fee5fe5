import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_ALLOWED_ORIGINS, OriginListError, originPolicy, parseAllowedOrigins } from "../src/server/origin.ts";

test("origin allow-list: no Origin passes; the default allows loopback pages on any port and nothing else", () => {
  const policy = originPolicy();
  assert.deepEqual(policy.entries, DEFAULT_ALLOWED_ORIGINS);
  for (const ok of [undefined, "http://localhost:3000", "http://localhost", "http://127.0.0.1:8080", "http://[::1]:3000", "HTTP://LOCALHOST:3000"]) {
    assert.equal(policy.allows(ok), true, String(ok));
  }
  for (const refused of [
    "https://evil.example", "http://localhost.evil.example:3000", "http://127.0.0.2:3000", "https://localhost:3000",
    "null", "", "localhost:3000", "http://localhost:3000/path", "http://user@localhost:3000", "file://", "chrome-extension://abc",
  ]) {
    assert.equal(policy.allows(refused), false, refused);
  }
});

test("origin allow-list: exact entries, any-port entries, and * for any origin", () => {
  const policy = originPolicy(["https://lab.example.org", "http://gpu-box:*", "https://viz.example.org:8443"]);
  assert.equal(policy.allows("https://lab.example.org"), true);
  assert.equal(policy.allows("https://lab.example.org:443"), true, "the default port is the same origin");
  assert.equal(policy.allows("https://lab.example.org:8443"), false, "another port is another origin");
  assert.equal(policy.allows("http://lab.example.org"), false, "another scheme is another origin");
  assert.equal(policy.allows("https://sub.lab.example.org"), false);
  assert.equal(policy.allows("http://gpu-box:3000"), true);
  assert.equal(policy.allows("http://gpu-box"), true);
  assert.equal(policy.allows("https://gpu-box:3000"), false);
  assert.equal(policy.allows("https://viz.example.org:8443"), true);
  assert.equal(policy.allows("http://localhost:3000"), false, "a given list replaces the default");
  const any = originPolicy(["*"]);
  for (const o of ["https://evil.example", "null", "whatever", undefined]) assert.equal(any.allows(o), true, String(o));
});

test("origin allow-list: flags and env values are split on commas, normalized, and malformed ones named", () => {
  assert.deepEqual(parseAllowedOrigins(["https://Lab.Example.org/, http://localhost:*", "https://a.example:443", " *", ""]), [
    "https://lab.example.org", "http://localhost:*", "https://a.example", "*",
  ]);
  for (const bad of ["lab.example.org", "https://lab.example.org/app", "ftp://x.example", "https://x.example:80:*", "http://x.example:*:*", "null"]) {
    assert.throws(() => parseAllowedOrigins([bad]), OriginListError, bad);
  }
  assert.throws(() => originPolicy(["nope"]), /"nope" is not an origin/);
});
