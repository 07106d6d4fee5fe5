import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The access token: given, or read from `<dataDir>/token`, or generated there at first start (mode 600). */
export function loadOrCreateToken(dataDir: string, given?: string): { token: string; generated: boolean } {
  if (given) return { token: given, generated: false };
  const file = join(dataDir, "token");
  if (existsSync(file)) return { token: readFileSync(file, "utf8").trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true };
}
