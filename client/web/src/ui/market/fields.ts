/** Vraag en aanbod (issue 14): the pure rules the card editor, the card and
 * the wall share — tags as the server keeps them, the expiry as a date, the
 * open/expired reading of a card (the same as server/market/matching.py). */
import * as L from "../../protocol/limits";
import { cpLen, normalizeTag, type CardState } from "../../protocol/ops";

/** A tag is one line without any control character (SPEC §4 *Card fields*). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const hasAnyControl = (s: string): boolean => CONTROL.test(s);

/** The card kinds with tags, contact, expiry and state. */
export const MARKET_KINDS = ["question", "offer"] as const;
export const isMarketKind = (kind: string): boolean => (MARKET_KINDS as readonly string[]).includes(kind);

/** Why a typed tag cannot be added ("" = it can): the protocol's rules. */
export type TagProblem = "" | "empty" | "long" | "control" | "full" | "twice";

/** Add what the user typed (one or more tags split by commas, `#` or
 * spaces) to `tags`: each normalised (ops.normalizeTag), duplicates dropped,
 * at most MAX_TAGS. Returns the new list and the first problem met. */
export const addTags = (tags: readonly string[], typed: string): { tags: string[]; problem: TagProblem } => {
  const out = [...tags];
  let problem: TagProblem = "";
  const parts = typed.split(/[,\s]+|(?=#)/).map(normalizeTag).filter((p) => p !== "");
  if (parts.length === 0 && typed.trim() !== "") problem = "empty";
  for (const raw of parts) {
    if (hasAnyControl(raw)) { problem ||= "control"; continue; }
    if (cpLen(raw) > L.MAX_TAG) { problem ||= "long"; continue; }
    if (out.includes(raw)) { problem ||= "twice"; continue; }
    if (out.length >= L.MAX_TAGS) { problem ||= "full"; continue; }
    out.push(raw);
  }
  return { tags: out, problem };
};

/** An expiry (ms; 0 = never) as the value of an `<input type="date">` in
 * local time, "" for never. */
export const expiresToDate = (ms: number): string => {
  if (!ms) return "";
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** A date input's value to an expiry: the end of that day in local time (a
 * card "until 12 March" is still there on 12 March); "" = never (0); null
 * for a date the protocol refuses (before 1970 or from 2100 on). */
export const dateToExpires = (value: string): number | null => {
  if (value === "") return 0;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const ms = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999).getTime();
  return Number.isFinite(ms) && ms > 0 && ms <= L.MAX_EXPIRES ? ms : null;
};

/** An expiry in the past (or exactly now) ends a question or offer. */
export const isExpired = (expires: number, now: number): boolean => expires !== 0 && expires <= now;

/** On the open lists: state "open" and not expired. */
export const isOpen = (card: { state: string; expires: number }, now: number): boolean =>
  card.state === "open" && !isExpired(card.expires, now);

/** The next step of a question or offer: open → matched → resolved; a
 * resolved one can be opened again. */
export const nextState = (state: string): CardState =>
  state === "open" ? "matched" : state === "matched" ? "resolved" : "open";

/** The wall's state filter: "open" is open and not expired; "expired" is
 * open but past its date. */
export const WALL_STATES = ["open", "matched", "resolved", "expired", "all"] as const;
export type WallState = (typeof WALL_STATES)[number];
export interface WallFilter { state: WallState; kind: "" | "question" | "offer"; tag: string }

/** The wall's filter, as the server's (server/market/wall.py `keep`). */
export const keep = (c: { kind: string; tags: readonly string[]; state: string; expires: number }, f: WallFilter, now: number): boolean => {
  if (f.kind && c.kind !== f.kind) return false;
  if (f.tag && !c.tags.includes(normalizeTag(f.tag))) return false;
  const expired = isExpired(c.expires, now);
  switch (f.state) {
    case "all": return true;
    case "open": return c.state === "open" && !expired;
    case "expired": return c.state === "open" && expired;
    default: return c.state === f.state;
  }
};
