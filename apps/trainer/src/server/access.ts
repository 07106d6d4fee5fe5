import { createHash, randomBytes } from "node:crypto";
import type { ClientMessage, Role, ShareLink } from "@orrery/protocol";
import type { RunStore } from "@orrery/store";
import { tokenMatches } from "./auth.ts";

/** What one connection may do: its role, the runs it may see (null: all), and the link it came by. */
export interface Access {
  role: Role;
  runIds: ReadonlySet<string> | null;
  linkId: string | null;
  expiresAt: number | null;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

/** The least role each message needs; reading is a viewer's, changing a controller's, links the owner's. */
const NEEDS: Record<ClientMessage["type"], Role> = {
  hello: "viewer",
  listRuns: "viewer",
  subscribe: "viewer",
  unsubscribe: "viewer",
  history: "viewer",
  snapshot: "viewer",
  finalMetrics: "viewer",
  spectrum: "viewer",
  parameters: "viewer",
  listCheckpoints: "viewer",
  inspect: "viewer",
  annotate: "viewer",
  start: "controller",
  pause: "controller",
  resume: "controller",
  stop: "controller",
  step: "controller",
  measure: "controller",
  intervene: "controller",
  saveCheckpoint: "controller",
  fork: "controller",
  createLink: "owner",
  listLinks: "owner",
  revokeLink: "owner",
};
const RANK: Record<Role, number> = { viewer: 0, controller: 1, owner: 2 };

/**
 * The daemon's access control: the owner token (the daemon's), and share links stored as hashes of random
 * tokens. Checked at the WebSocket upgrade and on every message.
 */
export class AccessControl {
  constructor(private readonly store: RunStore, private readonly ownerToken: string) {}

  /** The access a presented token grants, or null (refused at the upgrade). */
  authenticate(token: string | null, now = Date.now()): Access | null {
    if (token === null) return null;
    if (tokenMatches(token, this.ownerToken)) return { role: "owner", runIds: null, linkId: null, expiresAt: null };
    const link = this.store.links.byHash(hashOf(token));
    if (!link || link.revokedAt !== null || (link.expiresAt !== null && link.expiresAt <= now)) return null;
    return { role: link.role, runIds: link.runIds && new Set(link.runIds), linkId: link.linkId, expiresAt: link.expiresAt };
  }

  /** Why `access` may not send `msg` (null: it may). A scoped link reaches only its runs and cannot make new ones. */
  refusal(access: Access, msg: ClientMessage, now = Date.now()): string | null {
    if (access.expiresAt !== null && access.expiresAt <= now) return "this share link has expired";
    const needs = NEEDS[msg.type];
    if (RANK[access.role] < RANK[needs]) return `a ${access.role} may not ${msg.type} (needs ${needs})`;
    if (access.runIds) {
      if (msg.type === "start" || msg.type === "fork") return `this link is for some runs only; it cannot ${msg.type} new ones`;
      const runIds = "runId" in msg && msg.runId ? [msg.runId] : msg.type === "finalMetrics" ? msg.runIds : [];
      const outside = runIds.find((r) => !access.runIds!.has(r));
      if (outside) return `this link does not grant run ${outside}`;
    }
    return null;
  }

  sees(access: Access, runId: string): boolean {
    return access.runIds === null || access.runIds.has(runId);
  }

  createLink(opts: { role: ShareLink["role"]; runIds?: string[]; expiresInS?: number; label?: string }, now = Date.now()): { link: ShareLink; token: string } {
    const token = randomBytes(24).toString("base64url");
    const link: ShareLink = {
      linkId: randomBytes(6).toString("hex"),
      role: opts.role,
      runIds: opts.runIds ?? null,
      label: opts.label ?? "",
      createdAt: now,
      expiresAt: opts.expiresInS ? now + opts.expiresInS * 1000 : null,
      revokedAt: null,
    };
    this.store.links.create(link, hashOf(token));
    return { link, token };
  }

  listLinks(): ShareLink[] {
    return this.store.links.list();
  }

  revoke(linkId: string, now = Date.now()): boolean {
    return this.store.links.revoke(linkId, now);
  }
}
