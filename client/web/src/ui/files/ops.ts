/** The ops the files surface sends, as pure functions of the board: a file
 * added to a card, a new card made for a file, a file removed. A card's
 * `files` is one last-writer-wins field (SPEC), so each op carries the whole
 * new list, computed from the optimistic view — two uploads to one card
 * from this browser both land; two people adding to one card at the same
 * moment is the rare case where the later list wins. */
import type { BoardState, Card } from "../../protocol/model";
import type { CardAdd, CardDelete, CardSet } from "../../protocol/ops";
import { columns, posAppend } from "../order";
import { cardFiles, MAX_FILES_PER_CARD, type Attachment } from "./types";
import type { UploadTarget } from "./queue";

/** The ops this surface sends. */
export type FileOp = CardSet | CardAdd | CardDelete;

/** The card's files with `att` added, or null when it cannot take it (gone,
 * full, or it has the same file already). */
export const addFileOp = (card: Card | undefined, att: Attachment): CardSet | null => {
  if (!card || card.deleted) return null;
  const files = cardFiles(card);
  if (files.length >= MAX_FILES_PER_CARD || files.some((f) => f.id === att.id)) return null;
  return { type: "card.set", id: card.id, files: [...files, att] };
};

/** A new card holding just this file, where the user dropped or took it:
 * its place on the wall, at the end of its column. The title stays empty:
 * the card shows the photo, and its alt text is the file name. */
export const newCardOp = (state: BoardState, id: string, att: Attachment, target: Extract<UploadTarget, { kind: "new" }>): CardAdd => {
  const section = target.section && state.sections.get(target.section)?.deleted === false ? target.section : "";
  const col = columns(state, "manual").get(section) ?? [];
  const last = col[col.length - 1];
  return {
    type: "card.add", id, kind: "note", title: "", body: "", color: "yellow", files: [att],
    ...(section ? { section } : {}), pos: posAppend(last?.pos), x: Math.round(target.x), y: Math.round(target.y),
  };
};

/** Removing one file: a `card.set` with the rest, or — when the file is all
 * the card holds — the card's deletion (an empty card says nothing). Which
 * of the two it is decides the question the user confirms. */
export const removeFileOp = (card: Card, fileId: string): { op: FileOp; last: boolean } | null => {
  const files = cardFiles(card);
  if (!files.some((f) => f.id === fileId)) return null;
  const rest = files.filter((f) => f.id !== fileId);
  if (rest.length === 0 && !card.title.trim() && !card.body.trim() && !card.url) {
    return { op: { type: "card.delete", id: card.id }, last: true };
  }
  return { op: { type: "card.set", id: card.id, files: rest }, last: false };
};

/** The text that stands for an image: the card's title when it has one (with
 * the file's name when the card holds several, so each is told apart), else
 * the file's name. */
export const altText = (card: Card, att: Attachment): string => {
  const title = card.title.trim();
  if (!title) return att.name;
  return cardFiles(card).length > 1 ? `${title} (${att.name})` : title;
};
