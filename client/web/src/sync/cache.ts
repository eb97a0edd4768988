/** The last known board, kept in the browser's storage for the offline shell.
 *
 * A reload without network (the service worker serves the app) shows the
 * board as it was last seen, with the outbox's unsent ops on top, instead
 * of an empty page. It is for display only: the next welcome always brings
 * a fresh snapshot (the replica never resumes from it), so a stale or
 * partial entry can never make a replica diverge.
 *
 * One entry per board and link (a facilitator's and a participant's view
 * of one board differ, and one browser may hold both). Writes are
 * throttled: a busy board costs one serialisation every few seconds, plus
 * one when the page is hidden or closed.
 */
import { fromWire, toWire, type BoardState, type Role } from "../protocol/model";
import type { KeyValueStore } from "./outbox";

/** What a restored replica needs to draw the board as this viewer saw it. */
export interface CachedBoard {
  state: BoardState;
  actor: string;
  role: Role;
  /** When it was saved (ms since the epoch, local clock). */
  at: number;
}

const PREFIX = "prikbord:state:";
const VERSION = 1;
/** Save at most this often while events flow. */
export const SAVE_EVERY_MS = 3_000;
/** Boards larger than this (characters of JSON) are not kept: browsers give
 * an origin about 5 M characters of storage, shared with the outboxes and
 * every other board; a 1,000-card board takes well under 1 M. */
export const MAX_CACHED_CHARS = 2_000_000;

/** A short, stable tag of the link (FNV-1a): keys apart per link without
 * writing the token itself into one more place. */
export const linkTag = (token: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
};

export const cacheKey = (board: string, token: string): string => `${PREFIX}${board}:${linkTag(token)}`;

const ROLES: readonly Role[] = ["viewer", "participant", "facilitator"];

export class BoardCache {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending: (() => CachedBoard | null) | null = null;

  constructor(private readonly store: KeyValueStore, private readonly key: string, private readonly board: string) {}

  /** The saved board, or null (none, another board's, garbage, old format). */
  load(): CachedBoard | null {
    try {
      const raw = this.store.getItem(this.key);
      if (!raw) return null;
      const d = JSON.parse(raw) as Record<string, unknown>;
      if (d.v !== VERSION || typeof d.actor !== "string" || !ROLES.includes(d.role as Role)) return null;
      if (!d.state || typeof d.state !== "object") return null;
      const state = fromWire(d.state as Record<string, unknown>);
      if (state.board !== this.board) return null;
      return { state, actor: d.actor, role: d.role as Role, at: Number(d.at) || 0 };
    } catch {
      return null;
    }
  }

  /** Save soon (throttled); `read` is called when the save happens, so the
   * latest state is what gets written. */
  schedule(read: () => CachedBoard | null): void {
    this.pending = read;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.flush(), SAVE_EVERY_MS);
  }

  /** Write a scheduled save now (page hidden or closing). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const read = this.pending;
    this.pending = null;
    const entry = read?.();
    if (entry) this.save(entry);
  }

  /** Forget the board (removed from it, link replaced): nothing of it
   * stays on the device. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.store.removeItem(this.key);
  }

  private save(entry: CachedBoard): void {
    const json = JSON.stringify({ v: VERSION, actor: entry.actor, role: entry.role, at: entry.at, state: toWire(entry.state) });
    if (json.length > MAX_CACHED_CHARS) {
      this.store.removeItem(this.key); // never leave an older, smaller copy behind
      return;
    }
    if (this.write(json)) return;
    // Full: other boards' copies go first (this one is the one in use).
    this.evictOthers();
    if (!this.write(json)) this.store.removeItem(this.key);
  }

  /** Whether the write took (stores like ui/hooks' safeStorage swallow a
   * full-quota error, so read the length back). */
  private write(json: string): boolean {
    try {
      this.store.setItem(this.key, json);
      return this.store.getItem(this.key)?.length === json.length;
    } catch {
      return false;
    }
  }

  private evictOthers(): void {
    if (typeof localStorage === "undefined") return;
    try {
      const keys: string[] = [];
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(PREFIX) && k !== this.key) keys.push(k);
      }
      for (const k of keys) this.store.removeItem(k);
    } catch {
      /* storage disabled */
    }
  }
}
