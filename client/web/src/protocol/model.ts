/** The board model (protocol/model.py): what a replica holds after applying
 * the log up to `seq`. Maps, not objects, so any id (even "__proto__") is
 * safe. `toWire`/`fromWire` give the snapshot form of SPEC §5. */
import type * as Y from "yjs";
import { DEFAULT_VOTE_BUDGET } from "./limits";
import { copyDoc, docState, newDoc, toBytes } from "./notes";
import type { Attachment, LinkPreview } from "./ops";

export type Role = "viewer" | "participant" | "facilitator";

/** Moderation status of a card or comment (model.STATUSES). Only "visible"
 * objects reach everyone; the others reach facilitators and their author. */
export type Status = "visible" | "pending" | "rejected" | "hidden";
/** Anonymous mode: authors hidden from participants and screens ("others"),
 * or from facilitators too ("all"). */
export type Anonymous = "off" | "others" | "all";

export interface Settings {
  title: string; layout: string; theme: string; vote_budget: number;
  /** New cards and comments of participants wait for a facilitator. */
  approval: boolean;
  /** Read-only for participants (a facilitator still edits). */
  locked: boolean;
  /** Hide until reveal: participants see only their own cards. */
  hide_cards: boolean;
  anonymous: string;
  /** Word filter on (the server holds matching posts); `words` are the
   * board's own words beside the default lists (facilitators only). */
  filter: boolean;
  words: string[];
}
/** What a facilitator steers live (model.Session). The timer runs on server
 * time: `timer_ends_at` (ms since the epoch, 0 = not running) comes from the
 * event's `at`; paused = `timer_ends_at` 0 and `timer_remaining` > 0. */
export interface BoardSession {
  timer_duration: number;
  timer_ends_at: number;
  timer_remaining: number;
  spotlight_kind: string; // "" | "card" | "section"
  spotlight_id: string;
  /** 0 = rounds never used; n > 0 = round n, open or closed. */
  round: number;
  round_open: boolean;
}
export interface Section { id: string; title: string; pos: string; deleted: boolean }
/** Arrays and the preview are replaced, never changed in place (the
 * optimistic copy in cloneState shares them with the confirmed state). */
export interface Card {
  id: string; kind: string; title: string; body: string; color: string; url: string;
  section: string; pos: string; x: number; y: number; author: string; author_name: string;
  created_at: number; updated_at: number; deleted: boolean; status: string;
  /** Attachments, link preview (server-made; null until then), tags, and
   * the question/offer fields (SPEC §4, Card fields). */
  files: Attachment[]; preview: LinkPreview | null; tags: string[];
  contact: string; expires: number; state: string;
}
export interface Comment {
  id: string; card: string; body: string; author: string; author_name: string;
  created_at: number; deleted: boolean; status: string;
}

export interface BoardState {
  board: string;
  seq: number;
  settings: Settings;
  sections: Map<string, Section>;
  cards: Map<string, Card>;
  comments: Map<string, Comment>;
  /** card id → emoji → actors who reacted */
  reactions: Map<string, Map<string, Set<string>>>;
  /** card id → actor → number of dot votes */
  votes: Map<string, Map<string, number>>;
  session: BoardSession;
  /** Actors a facilitator removed (facilitators see the list; others []). */
  removed: Set<string>;
  /** Session notes: the board's ("board") and cards' ("card:<id>") Yjs
   * documents (protocol/notes.ts), created by their first update. */
  notes: Map<string, Y.Doc>;
}

export const newSettings = (): Settings => ({
  title: "Untitled board", layout: "wall", theme: "light", vote_budget: DEFAULT_VOTE_BUDGET,
  approval: false, locked: false, hide_cards: false, anonymous: "off", filter: false, words: [],
});
export const newSession = (): BoardSession => ({
  timer_duration: 0, timer_ends_at: 0, timer_remaining: 0, spotlight_kind: "", spotlight_id: "", round: 0, round_open: false,
});
export const newSection = (id: string, p: Partial<Section> = {}): Section => ({ id, title: "", pos: "a0", deleted: false, ...p });
export const newCard = (id: string, p: Partial<Card> = {}): Card => ({
  id, kind: "note", title: "", body: "", color: "yellow", url: "", section: "", pos: "a0", x: 0, y: 0,
  author: "", author_name: "", created_at: 0, updated_at: 0, deleted: false, status: "visible",
  files: [], preview: null, tags: [], contact: "", expires: 0, state: "open", ...p,
});
export const newComment = (id: string, card: string, p: Partial<Comment> = {}): Comment => ({
  id, card, body: "", author: "", author_name: "", created_at: 0, deleted: false, status: "visible", ...p,
});

export const emptyState = (board: string): BoardState => ({
  board, seq: 0, settings: newSettings(), sections: new Map(), cards: new Map(),
  comments: new Map(), reactions: new Map(), votes: new Map(), session: newSession(), removed: new Set(),
  notes: new Map(),
});

export const liveCard = (s: BoardState, id: string): Card | undefined => {
  const c = s.cards.get(id);
  return c && !c.deleted ? c : undefined;
};

const countLive = (m: Map<string, { deleted: boolean }>): number => {
  let n = 0;
  for (const v of m.values()) if (!v.deleted) n++;
  return n;
};
/** Objects that are not deleted (the caps count these). */
export const liveCards = (s: BoardState): number => countLive(s.cards);
export const liveComments = (s: BoardState): number => countLive(s.comments);
export const liveSections = (s: BoardState): number => countLive(s.sections);

/** Ids of the live cards and comments by `author` (undefined: anyone) created
 * at or after `since` (undefined: ever), in insertion order: what
 * `posts.delete` removes. */
export const postsBy = (
  s: BoardState, author: string | undefined, since: number | undefined,
): { cards: string[]; comments: string[] } => {
  const match = (who: string, at: number): boolean =>
    (author === undefined || who === author) && (since === undefined || at >= since);
  const cards: string[] = [];
  for (const [id, c] of s.cards) if (!c.deleted && match(c.author, c.created_at)) cards.push(id);
  const comments: string[] = [];
  for (const [id, m] of s.comments) if (!m.deleted && match(m.author, m.created_at)) comments.push(id);
  return { cards, comments };
};

/** Votes the actor has on cards that still exist (deleted ones refund). */
export const votesUsed = (s: BoardState, actor: string): number => {
  let n = 0;
  for (const [cardId, per] of s.votes) if (liveCard(s, cardId)) n += per.get(actor) ?? 0;
  return n;
};

export const voteTotal = (s: BoardState, cardId: string): number => {
  let n = 0;
  for (const v of s.votes.get(cardId)?.values() ?? []) n += v;
  return n;
};

/** A deep copy, for the optimistic view (confirmed state stays untouched). */
export const cloneState = (s: BoardState): BoardState => ({
  board: s.board, seq: s.seq, settings: { ...s.settings, words: [...s.settings.words] },
  sections: new Map([...s.sections].map(([k, v]) => [k, { ...v }])),
  cards: new Map([...s.cards].map(([k, v]) => [k, { ...v }])),
  comments: new Map([...s.comments].map(([k, v]) => [k, { ...v }])),
  reactions: new Map([...s.reactions].map(([k, per]) => [k, new Map([...per].map(([e, a]) => [e, new Set(a)]))])),
  votes: new Map([...s.votes].map(([k, per]) => [k, new Map(per)])),
  session: { ...s.session },
  removed: new Set(s.removed),
  notes: new Map([...s.notes].map(([k, d]) => [k, copyDoc(d)])),
});

type Json = Record<string, unknown>;
const SETTINGS_FIELDS = ["title", "layout", "theme", "vote_budget", "approval", "locked", "hide_cards", "anonymous", "filter", "words"] as const;
const SESSION_FIELDS = ["timer_duration", "timer_ends_at", "timer_remaining", "spotlight_kind", "spotlight_id", "round", "round_open"] as const;
const SECTION_FIELDS = ["title", "pos", "deleted"] as const;
const CARD_FIELDS = [
  "kind", "title", "body", "color", "url", "section", "pos", "x", "y", "author", "author_name", "created_at", "updated_at", "deleted", "status",
  "files", "preview", "tags", "contact", "expires", "state",
] as const;
const COMMENT_FIELDS = ["card", "body", "author", "author_name", "created_at", "deleted", "status"] as const;

const pick = <T extends object>(o: T, fields: readonly (keyof T)[]): Json => {
  const out: Json = {};
  for (const f of fields) out[f as string] = o[f];
  return out;
};
const mapToObj = <V>(m: Map<string, V>, f: (v: V) => unknown): Json => {
  const out: Json = {};
  for (const [k, v] of m) Object.defineProperty(out, k, { value: f(v), enumerable: true, writable: true, configurable: true });
  return out;
};
const entries = (o: unknown): [string, Json][] =>
  o && typeof o === "object" ? (Object.entries(o) as [string, Json][]) : [];

/** A card's snapshot form (copies: the form never shares the state's arrays). */
export const cardWire = (c: Card): Json => ({
  ...pick(c, CARD_FIELDS), files: c.files.map((f) => ({ ...f })), tags: [...c.tags], preview: c.preview && { ...c.preview },
});
/** A card from its snapshot form (trusted); fields a form lacks (an older
 * snapshot or server) take their defaults. */
export const cardFromWire = (id: string, v: Json): Card => {
  const c = newCard(id, v as Partial<Card>);
  c.files = Array.isArray(v.files) ? (v.files as Attachment[]).map((f) => ({ ...f })) : [];
  c.tags = Array.isArray(v.tags) ? v.tags.map(String) : [];
  c.preview = v.preview && typeof v.preview === "object" ? { ...(v.preview as LinkPreview) } : null;
  return c;
};

/** The canonical snapshot form: reaction actor lists sorted, empty entries left out. */
export const toWire = (s: BoardState): Json => {
  const reactions = new Map<string, Json>();
  for (const [cid, per] of s.reactions) {
    const m = new Map<string, string[]>();
    for (const [emoji, actors] of per) if (actors.size) m.set(emoji, [...actors].sort());
    if (m.size) reactions.set(cid, mapToObj(m, (v) => v));
  }
  const votes = new Map<string, Json>();
  for (const [cid, per] of s.votes) {
    const m = new Map([...per].filter(([, n]) => n > 0));
    if (m.size) votes.set(cid, mapToObj(m, (v) => v));
  }
  const wire: Json = {
    board: s.board,
    seq: s.seq,
    settings: { ...pick(s.settings, SETTINGS_FIELDS), words: [...s.settings.words] },
    sections: mapToObj(s.sections, (v) => pick(v, SECTION_FIELDS)),
    cards: mapToObj(s.cards, cardWire),
    comments: mapToObj(s.comments, (v) => pick(v, COMMENT_FIELDS)),
    reactions: mapToObj(reactions, (v) => v),
    votes: mapToObj(votes, (v) => v),
    session: pick(s.session, SESSION_FIELDS),
    removed: [...s.removed].sort(),
  };
  // Each document's merged state, only when the board has notes (SPEC §5).
  if (s.notes.size) wire.notes = mapToObj(new Map([...s.notes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), docState);
  return wire;
};

/** Snapshot forms of single objects, as view patches carry them (SPEC §5).
 * Fields absent from a form take their defaults. */
export const settingsFromWire = (v: Json): Settings => {
  const s = { ...newSettings(), ...(v as Partial<Settings>) };
  s.words = Array.isArray(v.words) ? v.words.map(String) : [];
  return s;
};
export const sessionFromWire = (v: Json): BoardSession => ({ ...newSession(), ...(v as Partial<BoardSession>) });
export const reactionsFromWire = (per: Json): Map<string, Set<string>> =>
  new Map(entries(per).map(([e, a]) => [e, new Set(a as unknown as string[])]));
export const votesFromWire = (per: Json): Map<string, number> =>
  new Map(Object.entries(per).map(([a, n]) => [a, Number(n)]));

/** Inverse of toWire (trusted input: the server's snapshot). Fields added
 * after version 1's first release may be absent: they take their defaults,
 * so snapshots stored before them still load. */
export const fromWire = (d: Json): BoardState => {
  const s = emptyState(String(d.board ?? ""));
  s.seq = Number(d.seq ?? 0);
  s.settings = settingsFromWire((d.settings ?? {}) as Json);
  for (const [id, v] of entries(d.sections)) s.sections.set(id, newSection(id, v as Partial<Section>));
  for (const [id, v] of entries(d.cards)) s.cards.set(id, cardFromWire(id, v));
  for (const [id, v] of entries(d.comments)) s.comments.set(id, newComment(id, String(v.card ?? ""), v as Partial<Comment>));
  for (const [cid, per] of entries(d.reactions)) s.reactions.set(cid, reactionsFromWire(per));
  for (const [cid, per] of entries(d.votes)) s.votes.set(cid, votesFromWire(per));
  s.session = sessionFromWire((d.session ?? {}) as Json);
  s.removed = new Set(Array.isArray(d.removed) ? d.removed.map(String) : []);
  for (const [doc, state] of Object.entries((d.notes ?? {}) as Record<string, unknown>)) s.notes.set(doc, newDoc(toBytes(state)));
  return s;
};
