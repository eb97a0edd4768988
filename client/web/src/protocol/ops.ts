/** Ops: the intents a client sends (protocol/ops.py), with the same field
 * rules. `parseOp` turns wire data into a normalized op (defaults filled in)
 * or throws a ProtocolError 302, exactly where the Python validator would. */
import * as L from "./limits";
import { ErrorCode, ProtocolError } from "./errors";
import { DOC_RE, MAX_NOTES_UPDATE } from "./notes";

export const LAYOUTS = ["wall", "columns", "grid"] as const;
export const THEMES = ["light", "dark", "hub", "contrast"] as const;
export const KINDS = ["note", "question", "offer", "link"] as const;
export const COLORS = ["yellow", "pink", "blue", "green", "orange", "purple", "white"] as const;
export const REACTIONS = ["👍", "❤️", "💡", "🎉", "😂", "❓"] as const;
export const ANONYMOUS = ["off", "others", "all"] as const;
export const MOD_ACTIONS = ["approve", "reject", "hide", "restore"] as const;
export const TIMER_ACTIONS = ["start", "pause", "resume", "reset"] as const;

export const FILE_KINDS = ["image", "pdf", "audio", "file"] as const;
/** A question's or offer's progress (not the moderation status). */
export const CARD_STATES = ["open", "matched", "resolved"] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export type CardState = (typeof CARD_STATES)[number];

/** A file on a card (SPEC §4, Card fields). `id` is the stored file's
 * SHA-256 (64 lowercase hex digits); the server rewrites the rest from its
 * record of the upload. `w`/`h` 0 unless an image; `thumb`: the server made
 * a preview image. */
export interface Attachment {
  id: string; name: string; type: string; size: number; kind: FileKind; w: number; h: number; thumb: boolean;
}
/** Open Graph data of a card's link, made by the server only; `url` is the
 * card URL it was fetched for, `image` a file id or "". */
export interface LinkPreview { url: string; title: string; description: string; site: string; image: string }
/** The card fields of issues 13 and 14; absent = the card's default. */
export interface CardFields {
  files?: Attachment[]; tags?: string[]; contact?: string; expires?: number; state?: CardState;
}

export type Layout = (typeof LAYOUTS)[number];
export type Theme = (typeof THEMES)[number];
export type CardKind = (typeof KINDS)[number];
export type Color = (typeof COLORS)[number];
export type Emoji = (typeof REACTIONS)[number];
export type AnonymousMode = (typeof ANONYMOUS)[number];
export type ModAction = (typeof MOD_ACTIONS)[number];
export type TimerAction = (typeof TIMER_ACTIONS)[number];

/** `hide_cards` false is the reveal; `words` replaces the filter's own list. */
export interface BoardSet {
  type: "board.set"; title?: string; layout?: Layout; theme?: Theme; vote_budget?: number;
  approval?: boolean; locked?: boolean; hide_cards?: boolean; anonymous?: AnonymousMode; filter?: boolean; words?: string[];
}
export interface SectionAdd { type: "section.add"; id: string; title: string; pos: string }
export interface SectionSet { type: "section.set"; id: string; title?: string; pos?: string }
export interface SectionDelete { type: "section.delete"; id: string }
export interface CardAdd extends CardFields {
  type: "card.add"; id: string; kind: CardKind; title: string; body: string; color: Color;
  url?: string; section?: string; pos: string; x: number; y: number;
  /** Held for approval (the server sets it when the word filter matches). */
  held?: boolean;
  /** Server-made only (the policy refuses it from anyone else). */
  preview?: LinkPreview;
}
/** A list (`files`, `tags`) replaces the whole list; `url` "" clears the
 * link and its preview; `preview` (server only) "" clears the preview. */
export interface CardSet extends CardFields {
  type: "card.set"; id: string; kind?: CardKind; title?: string; body?: string; color?: Color; url?: string; held?: boolean;
  preview?: LinkPreview | "";
}
export interface CardMove { type: "card.move"; id: string; section?: string; pos?: string; x?: number; y?: number }
export interface CardDelete { type: "card.delete"; id: string }
export interface CommentAdd { type: "comment.add"; id: string; card: string; body: string; held?: boolean }
export interface CommentDelete { type: "comment.delete"; id: string }
export interface ReactionSet { type: "reaction.set"; card: string; emoji: Emoji; on: boolean }
export interface VoteCast { type: "vote.cast"; card: string }
export interface VoteRetract { type: "vote.retract"; card: string }
/** Facilitator: approve/reject a pending object, hide a visible one, restore
 * a hidden or rejected one (SPEC §5, Moderation). */
export interface CardModerate { type: "card.moderate"; id: string; action: ModAction }
export interface CommentModerate { type: "comment.moderate"; id: string; action: ModAction }
export interface ParticipantRemove { type: "participant.remove"; actor: string }
export interface ParticipantRestore { type: "participant.restore"; actor: string }
/** `seconds` with start, and only there. */
export interface TimerSet { type: "timer.set"; action: TimerAction; seconds?: number }
/** A card or a section; with neither, the spotlight ends. */
export interface SpotlightSet { type: "spotlight.set"; card?: string; section?: string }
export interface RoundOpen { type: "round.open"; reset: boolean }
export interface RoundClose { type: "round.close" }
/** Delete every live card and comment by `author` and/or created at or after
 * `since` (facilitator only; at least one of the two). */
export interface PostsDelete { type: "posts.delete"; author?: string; since?: number }
/** Session notes (protocol/notes.ts): a Yjs update for the board's notes
 * ("board") or a card's description ("card:<id>"). */
export interface NotesUpdate { type: "notes.update"; doc: string; update: Uint8Array }

export type Op =
  | BoardSet | SectionAdd | SectionSet | SectionDelete
  | CardAdd | CardSet | CardMove | CardDelete
  | CommentAdd | CommentDelete | ReactionSet | VoteCast | VoteRetract
  | CardModerate | CommentModerate | ParticipantRemove | ParticipantRestore
  | TimerSet | SpotlightSet | RoundOpen | RoundClose | PostsDelete | NotesUpdate;
export type OpType = Op["type"];

export const OP_TYPES: ReadonlySet<string> = new Set<OpType>([
  "board.set", "section.add", "section.set", "section.delete",
  "card.add", "card.set", "card.move", "card.delete",
  "comment.add", "comment.delete", "reaction.set", "vote.cast", "vote.retract",
  "card.moderate", "comment.moderate", "participant.remove", "participant.restore",
  "timer.set", "spotlight.set", "round.open", "round.close", "posts.delete", "notes.update",
]);

type PatchMap<T> = Record<string, T | null>;
/** Server-made, never sent by a client: the change an event makes to what
 * *this* viewer may see — objects set to their snapshot form, or removed
 * (null). Applied without policy (protocol/visibility.py). */
export interface ViewPatch {
  type: "view.patch";
  settings?: Record<string, unknown>;
  session?: Record<string, unknown>;
  sections?: PatchMap<Record<string, unknown>>;
  cards?: PatchMap<Record<string, unknown>>;
  comments?: PatchMap<Record<string, unknown>>;
  reactions?: PatchMap<Record<string, string[]>>;
  votes?: PatchMap<Record<string, number>>;
  removed?: string[];
  /** Notes documents: a Yjs update to merge (the whole state when it comes
   * into view), or null: it left this viewer's view. */
  notes?: PatchMap<Uint8Array>;
}
/** What an event carries: a client's op, or a view patch the server made. */
export type EventOp = Op | ViewPatch;

// --- field rules ------------------------------------------------------------

/** Length in code points, as Python counts a str. */
export const cpLen = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export const ID_RE = /^[A-Za-z0-9_-]+$/;
export const OP_ID_RE = /^[A-Za-z0-9_.:-]+$/;

// Python's str.isspace() set (Unicode White_Space plus \x1c-\x1f).
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_STRIP = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Python's str.strip() with no argument. */
export const pyStrip = (s: string): string => s.replace(PY_STRIP, "");

/** C0 controls, DEL and C1 controls (Unicode category Cc). */
const isControl = (c: number): boolean => c < 32 || (c >= 0x7f && c <= 0x9f);

/** Empty or whitespace only (Python's str.isspace set): counts as no text
 * wherever a text must not be empty. */
export const isBlank = (s: string): boolean => pyStrip(s) === "";

/** Text fields refuse control characters except newline and tab. */
export const hasControls = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isControl(c) && c !== 10 && c !== 9) return true;
  }
  return false;
};

/** A valid key: base-62 digits, plus fractional_indexing.validate_order_key. */
export const isOrderKey = (key: string): boolean => {
  // Base-62 digits only (the Python side checks the alphabet by pattern).
  if (!/^[0-9A-Za-z]+$/.test(key) || key === "A" + "0".repeat(26)) return false;
  const head = key[0] ?? "";
  let n: number;
  if (head >= "a" && head <= "z") n = head.charCodeAt(0) - 97 + 2;
  else if (head >= "A" && head <= "Z") n = 90 - head.charCodeAt(0) + 2;
  else return false;
  if (n > key.length) return false;
  const frac = key.slice(n);
  return !(frac.length > 0 && frac.endsWith("0"));
};

/** http(s) with a host, no whitespace or control characters (ops._check_url). */
export const isSafeUrl = (url: string): boolean => {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (!m || !m[1] || !["http", "https"].includes(m[1].toLowerCase())) return false;
  const rest = url.slice(m[0].length);
  if (!rest.startsWith("//")) return false;
  const end = rest.slice(2).search(/[/?#]/);
  const netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
  if (netloc.length === 0) return false;
  if (netloc.includes("[") !== netloc.includes("]")) return false;
  for (const ch of url) if (PY_SPACE.test(ch) || isControl(ch.charCodeAt(0))) return false;
  return true;
};

type Wire = Record<string, unknown>;
const fail = (where: string, msg: string): never => {
  throw new ProtocolError(ErrorCode.INVALID, `${where}: ${msg}`);
};

export const isPlainMap = (v: unknown): v is Wire =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Float);

/** A msgpack float, kept apart from ints so strict int fields refuse it. */
export class Float {
  constructor(readonly value: number) {}
}

interface Field {
  /** Validates a present, non-nil value; returns the normalized value. */
  check: (v: unknown, where: string) => unknown;
  /** Optional fields accept nil/absence; defaults apply when absent. */
  optional?: boolean;
  default?: unknown;
}

export const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

const str = (min: number, max: number, opts: { strip?: boolean; controls?: boolean; re?: RegExp } = {}) =>
  (v: unknown, where: string): string => {
    if (typeof v !== "string") return fail(where, "Input should be a valid string");
    const s = opts.strip ? pyStrip(v) : v;
    const n = cpLen(s);
    if (n < min) fail(where, `String should have at least ${min} character${min === 1 ? "" : "s"}`);
    if (n > max) fail(where, `String should have at most ${max} characters`);
    if (opts.re && !opts.re.test(s)) fail(where, "String should match pattern");
    if (opts.controls === false && hasControls(s)) fail(where, "control characters are not allowed");
    return s;
  };
const bytes = (min: number, max: number) => (v: unknown, where: string): Uint8Array => {
  if (!(v instanceof Uint8Array)) fail(where, "Input should be a valid bytes");
  const b = v as Uint8Array;
  if (b.length < min || b.length > max) fail(where, `Data should have ${min} to ${max} bytes`);
  return b;
};
const int = (min: number, max: number) => (v: unknown, where: string): number => {
  if (!isInt(v)) return fail(where, "Input should be a valid integer");
  if (v < min || v > max) fail(where, `Input should be between ${min} and ${max}`);
  return v;
};
const oneOf = <T extends string>(values: readonly T[]) => (v: unknown, where: string): T => {
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) fail(where, "Input should be one of the allowed values");
  return v as T;
};
const bool = (v: unknown, where: string): boolean => {
  if (typeof v !== "boolean") fail(where, "Input should be a valid boolean");
  return v as boolean;
};
const list = <T>(item: (v: unknown, w: string) => T, max: number) => (v: unknown, where: string): T[] => {
  if (!Array.isArray(v)) return fail(where, "Input should be a valid list");
  if (v.length > max) fail(where, `List should have at most ${max} items`);
  return v.map((x, i) => item(x, `${where}.${i}`));
};
const either = (a: (v: unknown, w: string) => unknown, literal: string) => (v: unknown, where: string): unknown =>
  v === literal ? v : a(v, where);

export const checkId = str(1, L.MAX_ID, { re: ID_RE });
const pos = (v: unknown, where: string): string => {
  const s = str(1, L.MAX_POS)(v, where);
  if (!isOrderKey(s)) fail(where, "not a fractional index key");
  return s;
};
const url = (v: unknown, where: string): string => {
  const s = str(1, L.MAX_URL)(v, where);
  if (!isSafeUrl(s)) fail(where, "only http(s) URLs with a host are allowed");
  return s;
};
const coord = int(0, L.MAX_COORD);
const text = (max: number, min = 0) => str(min, max, { controls: false });
const nonBlank = (check: (v: unknown, w: string) => string) => (v: unknown, where: string): string => {
  const s = check(v, where);
  if (isBlank(s)) fail(where, "must contain more than whitespace");
  return s;
};

/** One-line texts (a file name, a tag, a contact): no control character at all. */
const hasAnyControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (isControl(s.charCodeAt(i))) return true;
  return false;
};
const line = (min: number, max: number) => (v: unknown, where: string): string => {
  const s = str(min, max)(v, where);
  if (hasAnyControl(s)) fail(where, "control characters are not allowed");
  return s;
};
const fileId = str(L.FILE_ID_LEN, L.FILE_ID_LEN, { re: /^[0-9a-f]+$/ });
const mapOf = (schema: Record<string, Field>) => (v: unknown, where: string): Wire => {
  if (!isPlainMap(v)) return fail(where, "Input should be a valid dictionary");
  return checkFields(v, schema, `${where}.`);
};
const ATTACHMENT: Record<string, Field> = {
  id: { check: fileId },
  name: { check: nonBlank(line(1, L.MAX_FILE_NAME)) },
  type: { check: str(0, L.MAX_MIME_TYPE, { re: /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/ }) },
  size: { check: int(0, L.MAX_FILE_SIZE) },
  kind: { check: oneOf(FILE_KINDS) },
  w: { check: int(0, L.MAX_IMAGE_SIDE), default: 0 },
  h: { check: int(0, L.MAX_IMAGE_SIDE), default: 0 },
  thumb: { check: bool, default: false },
};
const PREVIEW: Record<string, Field> = {
  url: { check: (v, w) => url(v, w) },
  title: { check: text(L.MAX_PREVIEW_TITLE), default: "" },
  description: { check: text(L.MAX_PREVIEW_DESCRIPTION), default: "" },
  site: { check: line(0, L.MAX_PREVIEW_SITE), default: "" },
  image: { check: either(fileId, ""), default: "" },
};
const files = (v: unknown, where: string): Attachment[] => {
  const out = list(mapOf(ATTACHMENT), L.MAX_FILES_PER_CARD)(v, where) as unknown as Attachment[];
  if (new Set(out.map((f) => f.id)).size !== out.length) fail(where, "Value error, the same file twice on one card");
  return out;
};
/** How a tag is kept (ops.normalize_tag): without surrounding whitespace,
 * one leading "#" and capitals, so "#Tuin " and "tuin" are the same tag. */
export const normalizeTag = (tag: string): string => {
  const t = pyStrip(tag);
  return pyStrip(t.startsWith("#") ? t.slice(1) : t).toLowerCase();
};
const tag = (v: unknown, where: string): string => {
  if (typeof v !== "string") return fail(where, "Input should be a valid string");
  if (hasAnyControl(v)) fail(where, "Value error, control characters are not allowed");
  const t = normalizeTag(v);
  const n = cpLen(t);
  if (n < 1 || n > L.MAX_TAG) fail(where, `Value error, a tag is 1 to ${L.MAX_TAG} characters (without #)`);
  return t;
};
/** Normalised, duplicates dropped (the first kept), in order. */
const tags = (v: unknown, where: string): string[] => [...new Set(list(tag, L.MAX_TAGS)(v, where))];
const contact = line(0, L.MAX_CONTACT);
const expires = int(0, L.MAX_EXPIRES);

const SCHEMAS: Record<OpType, Record<string, Field>> = {
  "board.set": {
    title: { check: str(1, L.MAX_BOARD_TITLE, { strip: true, controls: false }), optional: true },
    layout: { check: oneOf(LAYOUTS), optional: true },
    theme: { check: oneOf(THEMES), optional: true },
    vote_budget: { check: int(0, L.MAX_VOTE_BUDGET), optional: true },
    approval: { check: bool, optional: true },
    locked: { check: bool, optional: true },
    hide_cards: { check: bool, optional: true },
    anonymous: { check: oneOf(ANONYMOUS), optional: true },
    filter: { check: bool, optional: true },
    words: { check: list(str(1, L.MAX_FILTER_WORD, { strip: true, controls: false }), L.MAX_FILTER_WORDS), optional: true },
  },
  "section.add": { id: { check: checkId }, title: { check: text(L.MAX_SECTION_TITLE) }, pos: { check: pos } },
  "section.set": {
    id: { check: checkId },
    title: { check: text(L.MAX_SECTION_TITLE), optional: true },
    pos: { check: pos, optional: true },
  },
  "section.delete": { id: { check: checkId } },
  "card.add": {
    id: { check: checkId },
    kind: { check: oneOf(KINDS), default: "note" },
    title: { check: text(L.MAX_CARD_TITLE), default: "" },
    body: { check: text(L.MAX_CARD_BODY), default: "" },
    color: { check: oneOf(COLORS), default: "yellow" },
    // "" means none, as in card.set/card.move; the event leaves it out.
    url: { check: either(url, ""), optional: true },
    section: { check: either(checkId, ""), optional: true },
    pos: { check: pos, default: "a0" },
    x: { check: coord, default: 0 },
    y: { check: coord, default: 0 },
    held: { check: bool, optional: true },
    // Absent = the card's default; the event leaves them out.
    files: { check: files, optional: true },
    preview: { check: mapOf(PREVIEW), optional: true },
    tags: { check: tags, optional: true },
    contact: { check: contact, optional: true },
    expires: { check: expires, optional: true },
    state: { check: oneOf(CARD_STATES), optional: true },
  },
  "card.set": {
    id: { check: checkId },
    kind: { check: oneOf(KINDS), optional: true },
    title: { check: text(L.MAX_CARD_TITLE), optional: true },
    body: { check: text(L.MAX_CARD_BODY), optional: true },
    color: { check: oneOf(COLORS), optional: true },
    url: { check: either(url, ""), optional: true },
    held: { check: bool, optional: true },
    files: { check: files, optional: true },
    preview: { check: either(mapOf(PREVIEW), ""), optional: true },
    tags: { check: tags, optional: true },
    contact: { check: contact, optional: true },
    expires: { check: expires, optional: true },
    state: { check: oneOf(CARD_STATES), optional: true },
  },
  "card.move": {
    id: { check: checkId },
    section: { check: either(checkId, ""), optional: true },
    pos: { check: pos, optional: true },
    x: { check: coord, optional: true },
    y: { check: coord, optional: true },
  },
  "card.delete": { id: { check: checkId } },
  "comment.add": {
    id: { check: checkId }, card: { check: checkId }, body: { check: nonBlank(text(L.MAX_COMMENT, 1)) },
    held: { check: bool, optional: true },
  },
  "comment.delete": { id: { check: checkId } },
  "reaction.set": { card: { check: checkId }, emoji: { check: oneOf(REACTIONS) }, on: { check: bool } },
  "vote.cast": { card: { check: checkId } },
  "vote.retract": { card: { check: checkId } },
  "card.moderate": { id: { check: checkId }, action: { check: oneOf(MOD_ACTIONS) } },
  "comment.moderate": { id: { check: checkId }, action: { check: oneOf(MOD_ACTIONS) } },
  "participant.remove": { actor: { check: checkId } },
  "participant.restore": { actor: { check: checkId } },
  "timer.set": { action: { check: oneOf(TIMER_ACTIONS) }, seconds: { check: int(1, L.MAX_TIMER_SECONDS), optional: true } },
  "spotlight.set": { card: { check: checkId, optional: true }, section: { check: checkId, optional: true } },
  "round.open": { reset: { check: bool, default: false } },
  "round.close": {},
  "posts.delete": {
    author: { check: checkId, optional: true },
    since: { check: int(0, L.MAX_TIME_MS), optional: true },
  },
  "notes.update": {
    doc: { check: str(1, 45, { re: DOC_RE }) },
    update: { check: bytes(1, MAX_NOTES_UPDATE) },
  },
};

/** Validate fields of a map against a schema: unknown fields refused (ops)
 * or ignored (client messages), required fields present, defaults filled.
 * nil on any field is the same as leaving it out. */
export const checkFields = (
  obj: Wire, schema: Record<string, Field>, prefix: string, unknown: "refuse" | "ignore" = "refuse",
): Wire => {
  const out: Wire = {};
  if (unknown === "refuse") {
    for (const key of Object.keys(obj)) {
      if (!(key in schema)) fail(`${prefix}${key}`, "Extra inputs are not permitted");
    }
  }
  for (const [key, field] of Object.entries(schema)) {
    const where = `${prefix}${key}`;
    const present = Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== null && obj[key] !== undefined;
    if (!present) {
      if (field.optional) continue;
      if (field.default !== undefined) { out[key] = field.default; continue; }
      fail(where, "Field required");
    }
    out[key] = field.check(obj[key], where);
  }
  return out;
};

/** Wire data → a normalized op, or ProtocolError 302 (301 for an unknown type). */
export const parseOp = (obj: unknown, prefix = ""): Op => {
  if (!isPlainMap(obj)) return fail(prefix.replace(/\.$/, "") || "op", "Input should be a valid dictionary");
  const type = obj.type;
  if (typeof type !== "string") return fail(`${prefix}type`, "Unable to extract tag using discriminator 'type'");
  if (!OP_TYPES.has(type)) throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `unknown op type ${JSON.stringify(type.slice(0, 40))}`);
  const { type: _t, ...rest } = obj;
  const fields = checkFields(rest, SCHEMAS[type as OpType], `${prefix}${type}.`);
  if (type === "card.add") {
    if (fields.url === "") delete fields.url;
    if (fields.section === "") delete fields.section;
  }
  const op = { type, ...fields } as Op;
  if (op.type === "card.add") {
    if (isBlank(op.title) && isBlank(op.body) && !op.url && !op.files?.length) fail(`${prefix}${type}`, "a card needs a title, a body, a URL or a file");
    if (op.kind === "link" && !op.url) fail(`${prefix}${type}`, "a link card needs a url");
  }
  if (op.type === "timer.set" && (op.action === "start") !== (op.seconds !== undefined)) {
    fail(`${prefix}${type}`, "seconds is required with start, and only there");
  }
  if (op.type === "spotlight.set" && op.card !== undefined && op.section !== undefined) {
    fail(`${prefix}${type}`, "spotlight a card or a section, not both");
  }
  if (op.type === "posts.delete" && op.author === undefined && op.since === undefined) {
    fail(`${prefix}${type}`, "name an author, a since time, or both");
  }
  return op;
};

const PATCH_OBJECTS = ["sections", "cards", "comments", "reactions", "votes"] as const;

/** A view patch from an event (server-made: shapes are checked, values are
 * snapshot forms taken as they are). Throws ProtocolError 302 when malformed. */
export const parseViewPatch = (obj: Wire): ViewPatch => {
  const out: ViewPatch = { type: "view.patch" };
  for (const key of Object.keys(obj)) {
    if (key === "type") continue;
    const v = obj[key];
    if (v === null || v === undefined) continue;
    if (key === "settings" || key === "session") {
      if (!isPlainMap(v)) fail(`view.patch.${key}`, "Input should be a valid dictionary");
      out[key] = v as Record<string, unknown>;
    } else if (key === "notes") {
      if (!isPlainMap(v)) fail("view.patch.notes", "Input should be a valid dictionary");
      for (const [doc, value] of Object.entries(v as Wire)) {
        if (value !== null && !(value instanceof Uint8Array)) fail(`view.patch.notes.${doc}`, "Input should be a valid bytes");
      }
      out.notes = v as PatchMap<Uint8Array>;
    } else if (key === "removed") {
      if (!Array.isArray(v) || !v.every((a) => typeof a === "string")) fail("view.patch.removed", "Input should be a list of strings");
      out.removed = v as string[];
    } else if ((PATCH_OBJECTS as readonly string[]).includes(key)) {
      if (!isPlainMap(v)) fail(`view.patch.${key}`, "Input should be a valid dictionary");
      for (const [id, value] of Object.entries(v as Wire)) {
        if (value !== null && !isPlainMap(value)) fail(`view.patch.${key}.${id}`, "Input should be a valid dictionary");
      }
      (out as unknown as Wire)[key] = v;
    } else {
      fail(`view.patch.${key}`, "Extra inputs are not permitted");
    }
  }
  return out;
};

/** An event's op: a client op (parseOp) or a view patch. Only events may
 * carry a view patch; a client frame naming one is refused (parseOp). */
export const parseEventOp = (obj: unknown): EventOp =>
  isPlainMap(obj) && obj.type === "view.patch" ? parseViewPatch(obj) : parseOp(obj);

/** Try to validate an op the UI is about to send; the message is for logs. */
export const validateOp = (op: Op): string | null => {
  try {
    parseOp(op as unknown as Wire);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

/** Every stored file an op refers to (attachments and a preview's image):
 * what the server checks against the board's uploads (ops.file_ids). */
export const fileIds = (op: Op): Set<string> => {
  const ids = new Set<string>();
  if (op.type !== "card.add" && op.type !== "card.set") return ids;
  for (const f of op.files ?? []) ids.add(f.id);
  if (op.preview && op.preview.image) ids.add(op.preview.image);
  return ids;
};
