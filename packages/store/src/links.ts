import type Database from "better-sqlite3";
import type { ShareLink } from "@orrery/protocol";

type LinkRow = {
  link_id: string;
  hash: string;
  role: string;
  run_ids: string | null;
  label: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
};

const toLink = (r: LinkRow): ShareLink => ({
  linkId: r.link_id,
  role: r.role as ShareLink["role"],
  runIds: r.run_ids === null ? null : (JSON.parse(r.run_ids) as string[]),
  label: r.label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** Share links by the hash of their token (the token itself is never stored). */
export function linkTable(db: Database.Database) {
  const insert = db.prepare<LinkRow>(`
    INSERT INTO links (link_id, hash, role, run_ids, label, created_at, expires_at, revoked_at)
    VALUES (@link_id, @hash, @role, @run_ids, @label, @created_at, @expires_at, @revoked_at)`);
  const byHash = db.prepare<[string], LinkRow>(`SELECT * FROM links WHERE hash = ?`);
  const all = db.prepare<[], LinkRow>(`SELECT * FROM links ORDER BY created_at DESC, rowid DESC`);
  const revoke = db.prepare<[number, string]>(`UPDATE links SET revoked_at = ? WHERE link_id = ? AND revoked_at IS NULL`);
  return {
    create(link: ShareLink, hash: string): void {
      insert.run({
        link_id: link.linkId,
        hash,
        role: link.role,
        run_ids: link.runIds === null ? null : JSON.stringify(link.runIds),
        label: link.label,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        revoked_at: link.revokedAt,
      });
    },
    byHash: (hash: string): ShareLink | undefined => {
      const row = byHash.get(hash);
      return row && toLink(row);
    },
    list: (): ShareLink[] => all.all().map(toLink),
    /** True when the link existed and was live. */
    revoke: (linkId: string, at: number): boolean => revoke.run(at, linkId).changes > 0,
  };
}
