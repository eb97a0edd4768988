/** Who may do what (protocol/policy.py): the server asks before appending;
 * the reducer asks again when applying in seq order, where a refusal makes
 * the event a no-op on every replica alike. The UI asks too, to hide what
 * the user may not do. */
import * as L from "./limits";
import { ErrorCode } from "./errors";
import { liveCard, liveCards, liveComments, liveSections, postsBy, votesUsed, type BoardState, type Role } from "./model";
import { isBlank, type Op } from "./ops";

export interface Rejection { code: number; message: string }

const FACILITATOR_ONLY = new Set(["board.set", "section.add", "section.set", "section.delete", "posts.delete"]);

/** Live objects count toward `cap` (deleting makes room); every entry,
 * tombstones included, toward `hardCap`. `live` is counted only when the
 * entries reach `cap`. */
const full = (entries: number, live: () => number, cap: number, hardCap: number, what: string): Rejection | null => {
  if (entries >= hardCap) return { code: ErrorCode.BOARD_FULL, message: `a board holds at most ${hardCap} ${what}, deleted ones included` };
  if (entries >= cap && live() >= cap) return { code: ErrorCode.BOARD_FULL, message: `a board holds at most ${cap} ${what}` };
  return null;
};

export const mayWrite = (role: Role): boolean => role !== "viewer";

const ownerOrFacilitator = (author: string, actor: string, role: Role): Rejection | null =>
  role === "facilitator" || author === actor
    ? null
    : { code: ErrorCode.FORBIDDEN, message: "only its author or a facilitator may change this" };

/** null when `actor` in `role` may apply `op` to `state` now. */
export const check = (state: BoardState, op: Op, actor: string, role: Role): Rejection | null => {
  if (!mayWrite(role)) return { code: ErrorCode.FORBIDDEN, message: "this link is read-only" };
  if (FACILITATOR_ONLY.has(op.type) && role !== "facilitator") {
    return { code: ErrorCode.FORBIDDEN, message: "only a facilitator may do this" };
  }
  const notFound = (what: string): Rejection => ({ code: ErrorCode.NOT_FOUND, message: `no such ${what}` });
  switch (op.type) {
    case "section.add":
      if (state.sections.has(op.id)) return { code: ErrorCode.EXISTS, message: "section id already used" };
      return full(state.sections.size, () => liveSections(state), L.MAX_SECTIONS, L.MAX_SECTION_ENTRIES, "sections");
    case "section.set":
    case "section.delete": {
      const s = state.sections.get(op.id);
      return !s || s.deleted ? notFound("section") : null;
    }
    case "card.add":
      if (state.cards.has(op.id)) return { code: ErrorCode.EXISTS, message: "card id already used" };
      {
        const cap = full(state.cards.size, () => liveCards(state), L.MAX_CARDS, L.MAX_CARD_ENTRIES, "cards");
        if (cap) return cap;
      }
      if (op.section && !state.sections.has(op.section)) return notFound("section");
      return null;
    case "card.set":
    case "card.move":
    case "card.delete": {
      const c = liveCard(state, op.id);
      if (!c) return notFound("card");
      if (op.type === "card.set") {
        // An edit must keep what card.add demands: content, and a link's url.
        const title = op.title ?? c.title;
        const body = op.body ?? c.body;
        const url = op.url ?? c.url;
        const kind = op.kind ?? c.kind;
        if (isBlank(title) && isBlank(body) && !url) {
          return { code: ErrorCode.INVALID, message: "a card needs a title, a body or a URL" };
        }
        if (kind === "link" && !url) return { code: ErrorCode.INVALID, message: "a link card needs a url" };
      }
      // A section the board has known (a deleted one too: the card then shows
      // under "no section", and a concurrent delete loses nothing).
      if (op.type === "card.move" && op.section && !state.sections.has(op.section)) return notFound("section");
      return ownerOrFacilitator(c.author, actor, role);
    }
    case "comment.add":
      if (state.comments.has(op.id)) return { code: ErrorCode.EXISTS, message: "comment id already used" };
      if (!liveCard(state, op.card)) return notFound("card");
      return full(state.comments.size, () => liveComments(state), L.MAX_COMMENTS, L.MAX_COMMENT_ENTRIES, "comments");
    case "comment.delete": {
      const m = state.comments.get(op.id);
      return !m || m.deleted ? notFound("comment") : ownerOrFacilitator(m.author, actor, role);
    }
    case "reaction.set":
      return liveCard(state, op.card) ? null : notFound("card");
    case "vote.cast":
      if (!liveCard(state, op.card)) return notFound("card");
      if (votesUsed(state, actor) >= state.settings.vote_budget) return { code: ErrorCode.VOTE_BUDGET, message: "no dot votes left" };
      return null;
    case "vote.retract":
      if (!liveCard(state, op.card)) return notFound("card");
      if ((state.votes.get(op.card)?.get(actor) ?? 0) <= 0) return { code: ErrorCode.NOT_FOUND, message: "no vote of yours on this card" };
      return null;
    case "posts.delete": {
      const { cards, comments } = postsBy(state, op.author, op.since);
      return cards.length || comments.length ? null : { code: ErrorCode.NOT_FOUND, message: "no cards or comments match" };
    }
    default:
      return null;
  }
};
