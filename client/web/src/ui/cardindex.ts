/** What each card shows besides its own fields — its comments, vote and
 * reaction counts — indexed by card in one pass over the board, and kept
 * as the *same object* while nothing about the card changed.
 *
 * Why: the reducer mutates the board in place (and the optimistic view is a
 * fresh deep copy whenever an op is pending), so neither a card object's
 * identity nor its fields tell a component whether it changed. Building
 * plain snapshots and reusing the previous one when equal gives each card
 * a stable prop: a memoized card re-renders only when its facts change. And
 * one pass over comments and votes replaces a scan per card (work ∝ cards
 * × comments on a big board). Pure: unit-tested in test/cardindex.test.ts. */
import type { BoardState, Card, Comment } from "../protocol/model";
import { cardDescription, type DescriptionSummary } from "../protocol/notes";
import { cardFiles, cardPreview, sameFiles, samePreview } from "./files/types";

/** One card's render input, frozen. `reactions` is a compact signature
 * (emoji, count, mine) so a change of who reacted is seen. */
export interface CardFacts {
  readonly card: Readonly<Card>;
  readonly comments: readonly Readonly<Comment>[];
  readonly votes: number;
  readonly myVotes: number;
  readonly reactions: string;
  /** The card's description as the card shows it (null: none). */
  readonly description: Readonly<DescriptionSummary> | null;
}

const CARD_KEYS = [
  "kind", "title", "body", "color", "url", "section", "pos", "x", "y", "author", "author_name",
  "created_at", "updated_at", "deleted", "status",
] as const satisfies readonly (keyof Card)[];
const COMMENT_KEYS = ["body", "author", "author_name", "created_at", "deleted", "status"] as const satisfies readonly (keyof Comment)[];

// Files and the link preview are lists and maps: compared by content.
const sameCard = (a: Readonly<Card>, b: Card): boolean =>
  a.id === b.id && CARD_KEYS.every((k) => a[k] === b[k]) && sameFiles(cardFiles(a), cardFiles(b)) && samePreview(cardPreview(a), cardPreview(b));
const sameComments = (a: readonly Readonly<Comment>[], b: Comment[]): boolean =>
  a.length === b.length && a.every((m, i) => m.id === b[i]!.id && COMMENT_KEYS.every((k) => m[k] === b[i]![k]));

const sameDescription = (a: DescriptionSummary | null, b: DescriptionSummary | null): boolean =>
  a === b || (a !== null && b !== null && a.lines === b.lines && a.snippet === b.snippet);

const byTime = (a: Comment, b: Comment): number => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Live comments per card, oldest first: one pass over all comments. */
export const commentsByCard = (s: BoardState): Map<string, Comment[]> => {
  const out = new Map<string, Comment[]>();
  for (const m of s.comments.values()) {
    if (m.deleted) continue;
    const list = out.get(m.card);
    if (list) list.push(m);
    else out.set(m.card, [m]);
  }
  for (const list of out.values()) if (list.length > 1) list.sort(byTime);
  return out;
};

/** Total dot votes per card, and `me`'s votes on cards that still exist
 * (what the budget counts: deleted cards refund). One pass over votes. */
export const voteCounts = (s: BoardState, me: string): { total: Map<string, number>; mine: Map<string, number>; used: number } => {
  const total = new Map<string, number>();
  const mine = new Map<string, number>();
  let used = 0;
  for (const [cardId, per] of s.votes) {
    let n = 0;
    for (const v of per.values()) n += v;
    if (n) total.set(cardId, n);
    const m = per.get(me) ?? 0;
    if (m) {
      mine.set(cardId, m);
      const c = s.cards.get(cardId);
      if (c && !c.deleted) used += m;
    }
  }
  return { total, mine, used };
};

const reactionSig = (s: BoardState, cardId: string, me: string): string => {
  const per = s.reactions.get(cardId);
  if (!per) return "";
  let sig = "";
  for (const [emoji, actors] of per) if (actors.size) sig += `${emoji}${actors.size}${actors.has(me) ? "*" : ""};`;
  return sig;
};

/** The facts of every live card, reusing `prev`'s object for each card
 * whose facts are unchanged; plus `me`'s votes in use (the budget). */
export const cardFacts = (
  s: BoardState, me: string, prev: ReadonlyMap<string, CardFacts> = new Map(),
): { facts: Map<string, CardFacts>; votesUsed: number } => {
  const comments = commentsByCard(s);
  const votes = voteCounts(s, me);
  const facts = new Map<string, CardFacts>();
  const none: Comment[] = [];
  for (const card of s.cards.values()) {
    if (card.deleted) continue;
    const list = comments.get(card.id) ?? none;
    const total = votes.total.get(card.id) ?? 0;
    const myVotes = votes.mine.get(card.id) ?? 0;
    const reactions = reactionSig(s, card.id, me);
    const description = s.notes.size ? cardDescription(s.notes, card.id) : null;
    const old = prev.get(card.id);
    if (old && old.votes === total && sameDescription(old.description, description) && old.myVotes === myVotes && old.reactions === reactions && sameCard(old.card, card) && sameComments(old.comments, list)) {
      facts.set(card.id, old);
    } else {
      facts.set(card.id, Object.freeze({
        card: Object.freeze({ ...card }),
        comments: Object.freeze(list.map((m) => Object.freeze({ ...m }))),
        votes: total, myVotes, reactions,
        description: description && Object.freeze(description),
      }));
    }
  }
  return { facts, votesUsed: votes.used };
};
