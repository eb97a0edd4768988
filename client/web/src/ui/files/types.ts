/** What the files surface reads from a card: its attachments and its link
 * preview (SPEC: `Card.files`, `Card.preview`), and the one limit it needs.
 * Accessors, so a card from an older snapshot (no fields yet) reads as
 * having none. */
import * as L from "../../protocol/limits";
import type { Card } from "../../protocol/model";
import type { Attachment, LinkPreview } from "../../protocol/ops";

/** One attached file as the server registered it (it rewrites what a client
 * says about a file from its own registry, so these facts are the server's);
 * and the Open Graph data of the card's link, set by the server only. */
export type { Attachment, LinkPreview };

/** A card holds at most this many files (protocol/limits). */
export const MAX_FILES_PER_CARD = L.MAX_FILES_PER_CARD;

export const cardFiles = (card: Readonly<Card>): readonly Attachment[] => card.files ?? [];

export const cardPreview = (card: Readonly<Card>): LinkPreview | null => card.preview ?? null;

/** Two lists of attachments with the same files in the same order. */
export const sameFiles = (a: readonly Attachment[], b: readonly Attachment[]): boolean =>
  a.length === b.length && a.every((f, i) => f.id === b[i]!.id && f.name === b[i]!.name && f.thumb === b[i]!.thumb);

/** Two link previews with the same content. */
export const samePreview = (a: LinkPreview | null, b: LinkPreview | null): boolean =>
  a === b || (a !== null && b !== null && a.url === b.url && a.title === b.title && a.description === b.description && a.site === b.site && a.image === b.image);

const FILE_KINDS: ReadonlySet<string> = new Set(["image", "pdf", "audio", "file"]);
const FILE_ID = /^[0-9a-f]{64}$/;

/** The server's 201 answer as an Attachment, or null when it is not one
 * (the app never puts an unchecked object into an op). */
export const asAttachment = (x: unknown): Attachment | null => {
  if (!x || typeof x !== "object") return null;
  const a = x as Record<string, unknown>;
  const num = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (typeof a.id !== "string" || !FILE_ID.test(a.id) || typeof a.name !== "string" || typeof a.type !== "string") return null;
  if (!num(a.size) || !num(a.w) || !num(a.h) || typeof a.thumb !== "boolean" || typeof a.kind !== "string" || !FILE_KINDS.has(a.kind)) return null;
  return { id: a.id, name: a.name, type: a.type, size: a.size, kind: a.kind as Attachment["kind"], w: a.w, h: a.h, thumb: a.thumb };
};
