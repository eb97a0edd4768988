/** Session notes (protocol/notes.py): each board has a notes document
 * ("board") and each card may have a description ("card:<id>"), a Yjs
 * document whose text is the root Y.Text "notes". `notes.update` events
 * carry Yjs updates; every replica merges them in seq order, so two people
 * typing into one paragraph keep both their characters. yjs and pycrdt
 * encode the merged state byte for byte alike (protocol/vectors/notes*.json). */
import * as Y from "yjs";

export const TEXT_NAME = "notes";
export const BOARD_DOC = "board";
export const DOC_RE = /^(board|card:[A-Za-z0-9_-]{1,40})$/;

/** One notes update: a large paste at most (protocol/limits.py). */
export const MAX_NOTES_UPDATE = 32 * 1024;
export const MAX_NOTES_DOC = 256 * 1024;
export const MAX_CARD_DOC = 16 * 1024;
/** How often the editor sends what was typed (ms): one op per batch. */
export const NOTES_BATCH_MS = 150;

export const cardDoc = (cardId: string): string => `card:${cardId}`;
export const docCard = (doc: string): string | null => (doc.startsWith("card:") ? doc.slice(5) : null);

/** A document from a merged state (or empty). Yjs client ids are 32-bit. */
export const newDoc = (state?: Uint8Array | null): Y.Doc => {
  const d = new Y.Doc();
  if (state && state.length) Y.applyUpdate(d, state);
  return d;
};

/** Merge an update; false when it cannot be read (the document may not
 * show it; updates in the log were checked by the server before). */
export const mergeInto = (d: Y.Doc, update: Uint8Array, origin: unknown = null): boolean => {
  try {
    Y.applyUpdate(d, update, origin);
    return true;
  } catch {
    return false;
  }
};

export const docState = (d: Y.Doc): Uint8Array => Y.encodeStateAsUpdate(d);
export const docText = (d: Y.Doc): string => d.getText(TEXT_NAME).toString();
export const copyDoc = (d: Y.Doc): Y.Doc => newDoc(docState(d));

/** Bytes from the wire (msgpack bin → Uint8Array) or from JSON storage,
 * where a Uint8Array was kept as {"$bin": base64} (binReplacer) — or, from
 * an older cache, as an index → byte object. */
export const toBytes = (v: unknown): Uint8Array => {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  if (v && typeof v === "object") {
    const b64 = (v as { $bin?: unknown }).$bin;
    if (typeof b64 === "string") return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return Uint8Array.from(Object.values(v as Record<string, number>));
  }
  if (typeof v === "string") return Uint8Array.from(atob(v), (c) => c.charCodeAt(0));
  return new Uint8Array();
};

/** JSON.stringify replacer that keeps a Uint8Array (a notes update in the
 * outbox, a document in the board cache) as {"$bin": base64}. */
export const binReplacer = (_key: string, value: unknown): unknown => {
  if (value instanceof Uint8Array) {
    let s = "";
    for (const b of value) s += String.fromCharCode(b);
    return { $bin: btoa(s) };
  }
  return value;
};
/** JSON.parse reviver: the inverse of binReplacer. */
export const binReviver = (_key: string, value: unknown): unknown =>
  value && typeof value === "object" && typeof (value as { $bin?: unknown }).$bin === "string" && Object.keys(value).length === 1
    ? toBytes(value)
    : value;

/** An action item: a Markdown task line with its assignee as @name. */
export interface ActionItem { done: boolean; text: string; assignee: string }
const TASK_RE = /^\s*[-*+]\s+\[( |x|X)\]\s+(.*)$/;
const ASSIGNEE_RE = /@([\p{L}\p{N}_.-]+)/u;
export const actionItems = (text: string): ActionItem[] => {
  const out: ActionItem[] = [];
  for (const line of text.split("\n")) {
    const m = TASK_RE.exec(line);
    if (m) out.push({ done: m[1] !== " ", text: (m[2] ?? "").trim(), assignee: ASSIGNEE_RE.exec(m[2] ?? "")?.[1] ?? "" });
  }
  return out;
};

/** What a card shows of its description: how many lines have text and the
 * first of them without its Markdown marker (`# `, `- `, `- [ ] `), cut to
 * `max` characters. Null when the description is empty (or only blanks),
 * so a card with nothing written shows no indicator. */
export interface DescriptionSummary { lines: number; snippet: string }
const MARKER_RE = /^\s*(#{1,3}\s+|[-*+]\s+\[[ xX]\]\s*|[-*+]\s+)/;
export const describeText = (text: string, max = 80): DescriptionSummary | null => {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (!lines.length) return null;
  const first = [...lines[0]!.replace(MARKER_RE, "").trim()];
  const snippet = first.length > max ? `${first.slice(0, max - 1).join("")}…` : first.join("");
  return { lines: lines.length, snippet };
};
/** The summary of a card's description in a board state (null: none). */
export const cardDescription = (notes: ReadonlyMap<string, Y.Doc>, cardId: string): DescriptionSummary | null => {
  const d = notes.get(cardDoc(cardId));
  return d ? describeText(docText(d)) : null;
};
