/**
 * Where the dashboard points: `?daemon=ws://host:port&token=…` wins and is remembered in localStorage,
 * so a reload without the query (or a bookmark) still works. The selected run lives in the URL hash
 * (`#run=ID`) and, per daemon, in localStorage.
 */

export const DEFAULT_DAEMON_URL = "ws://127.0.0.1:8787";
const KEY_URL = "orrery.daemon";
const KEY_TOKEN = "orrery.token";
const runKey = (daemon: string) => `orrery.run:${daemon}`;

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface Settings {
  url: string;
  token: string;
}

export function normalizeDaemonUrl(raw: string): string {
  let url = raw.trim();
  if (!url) return DEFAULT_DAEMON_URL;
  if (/^https?:\/\//i.test(url)) url = url.replace(/^http/i, "ws");
  if (!/^wss?:\/\//i.test(url)) url = `ws://${url}`;
  return url.replace(/\/+$/, "");
}

/** Reads the target from the query, then storage, then the default; persists a query-given target. */
export function loadSettings(search: string, storage: StorageLike | null): Settings {
  const q = new URLSearchParams(search);
  const qUrl = q.get("daemon");
  const qToken = q.get("token");
  const url = normalizeDaemonUrl(qUrl ?? storage?.getItem(KEY_URL) ?? DEFAULT_DAEMON_URL);
  const token = qToken ?? storage?.getItem(KEY_TOKEN) ?? "";
  if (qUrl !== null || qToken !== null) saveSettings({ url, token }, storage);
  return { url, token };
}

export function saveSettings(s: Settings, storage: StorageLike | null): void {
  try {
    storage?.setItem(KEY_URL, s.url);
    storage?.setItem(KEY_TOKEN, s.token);
  } catch {
    /* storage may be unavailable (private mode); the query still works */
  }
}

export function runFromHash(hash: string): string | null {
  const m = /(?:^#|&)run=([^&]+)/.exec(hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function loadSelectedRun(hash: string, daemon: string, storage: StorageLike | null): string | null {
  return runFromHash(hash) ?? storage?.getItem(runKey(daemon)) ?? null;
}

export function saveSelectedRun(runId: string | null, daemon: string, storage: StorageLike | null): void {
  try {
    if (runId) storage?.setItem(runKey(daemon), runId);
    else storage?.removeItem(runKey(daemon));
  } catch {
    /* ignore */
  }
}

/** The page URL to show: the token is dropped from the address bar once remembered. */
export function cleanLocation(href: string, runId: string | null): string {
  const u = new URL(href);
  u.searchParams.delete("token");
  u.hash = runId ? `run=${encodeURIComponent(runId)}` : "";
  return u.pathname + u.search + u.hash;
}

const KEY_DAEMONS = "orrery.daemons";
const KEY_NAME = "orrery.name";

/** Every daemon the dashboard watches (the active one among them), in the order they were added. */
export function loadDaemons(storage: StorageLike | null): Settings[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY_DAEMONS) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((d) =>
      d && typeof d.url === "string" && typeof d.token === "string" ? [{ url: normalizeDaemonUrl(d.url), token: d.token }] : [],
    );
  } catch {
    return [];
  }
}

export function saveDaemons(daemons: Settings[], storage: StorageLike | null): void {
  try {
    storage?.setItem(KEY_DAEMONS, JSON.stringify(daemons));
  } catch {
    /* ignore */
  }
}

/** `daemons` with `d` added (or its token updated, in place). */
export function withDaemon(daemons: Settings[], d: Settings): Settings[] {
  const url = normalizeDaemonUrl(d.url);
  return daemons.some((x) => x.url === url)
    ? daemons.map((x) => (x.url === url ? { url, token: d.token } : x))
    : [...daemons, { url, token: d.token }];
}

export function withoutDaemon(daemons: Settings[], url: string): Settings[] {
  return daemons.filter((d) => d.url !== url);
}

/** The name others see (empty: the daemon gives a guest label). */
export function loadName(storage: StorageLike | null): string {
  try {
    return storage?.getItem(KEY_NAME) ?? "";
  } catch {
    return "";
  }
}

export function saveName(name: string, storage: StorageLike | null): void {
  try {
    storage?.setItem(KEY_NAME, name.trim());
  } catch {
    /* ignore */
  }
}

const KEY_FORMS = "orrery.forms";

/** The new-run form's values per experiment, as last edited (restored on reload). */
export function loadForms(storage: StorageLike | null): Record<string, Record<string, string | boolean>> {
  try {
    const raw = storage?.getItem(KEY_FORMS);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, Record<string, string | boolean>>)
      : {};
  } catch {
    return {};
  }
}

export function saveForms(forms: Record<string, Record<string, string | boolean>>, storage: StorageLike | null): void {
  try {
    storage?.setItem(KEY_FORMS, JSON.stringify(forms));
  } catch {
    /* ignore */
  }
}
