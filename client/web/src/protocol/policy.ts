/** Who may do what (protocol/policy.py): the server asks before appending;
 * the reducer asks again when applying in seq order, where a refusal makes
 * the event a no-op on every replica alike. The UI asks too, to hide what
 * the user may not do. */
import * as L from "./limits";
import { ErrorCode } from "./errors";
import { liveCard, liveCards, liveComments, liveSections, postsBy, votesUsed, type BoardState, type Card, type Role } from "./model";
import { isBlank, type CardSet, type LinkPreview, type ModAction, type Op } from "./ops";
import { docCard } from "./notes";
import { seesCard, seesComment, type Viewer } from "./visibility";

export interface Rejection { code: number; message: string }

const FACILITATOR_ONLY = new Set([
  "board.set", "section.add", "section.set", "section.delete", "card.moderate", "comment.moderate",
  "participant.remove", "participant.restore", "timer.set", "spotlight.set", "round.open", "round.close",
  "posts.delete",
]);
const VOTING = new Set(["vote.cast", "vote.retract"]);
/** Which moderation action applies to which status (SPEC §5, Moderation). */
const MOD_FROM: Record<ModAction, readonly string[]> = {
  approve: ["pending"],
  reject: ["pending"],
  hide: ["visible"],
  restore: ["hidden", "rejected"],
};

export const mayWrite = (role: Role): boolean => role !== "viewer";

const reject = (code: number, message: string): Rejection => ({ code, message });
/** Live objects count toward `cap` (deleting makes room); every entry,
 * tombstones included, toward `hardCap`. `live` is counted only when the
 * entries reach `cap`. */
const full = (entries: number, live: () => number, cap: number, hardCap: number, what: string): Rejection | null => {
  if (entries >= hardCap) return reject(ErrorCode.BOARD_FULL, `a board holds at most ${hardCap} ${what}, deleted ones included`);
  if (entries >= cap && live() >= cap) return reject(ErrorCode.BOARD_FULL, `a board holds at most ${cap} ${what}`);
  return null;
};

const ownerOrFacilitator = (author: string, actor: string, role: Role): Rejection | null =>
  role === "facilitator" || author === actor
    ? null
    : reject(ErrorCode.FORBIDDEN, "only its author or a facilitator may change this");

/** null when `actor` in `role` may apply `op` to `state` now. */
export const check = (state: BoardState, op: Op, actor: string, role: Role): Rejection | null => {
  if (!mayWrite(role)) return reject(ErrorCode.FORBIDDEN, "this link is read-only");
  if (state.removed.has(actor)) return reject(ErrorCode.FORBIDDEN, "you were removed from this board");
  if ((op.type === "card.add" || op.type === "card.set") && op.preview !== undefined && op.preview !== null && actor !== SYSTEM_ACTOR) {
    return reject(ErrorCode.FORBIDDEN, "only the server sets a link preview");
  }
  if (role !== "facilitator") {
    if (FACILITATOR_ONLY.has(op.type)) return reject(ErrorCode.FORBIDDEN, "only a facilitator may do this");
    if (state.settings.locked) return reject(ErrorCode.FORBIDDEN, "the board is locked");
  }
  if (VOTING.has(op.type) && state.session.round > 0 && !state.session.round_open) {
    return reject(ErrorCode.FORBIDDEN, "voting is closed until the next round");
  }
  return checkObjects(state, op, actor, role) ?? checkSession(state, op);
};

/** An edit must keep what card.add demands: content, and a link's url. */
const editBreaksCard = (c: Card, op: CardSet): Rejection | null => {
  const title = op.title ?? c.title;
  const body = op.body ?? c.body;
  const url = op.url ?? c.url;
  const kind = op.kind ?? c.kind;
  const files = op.files ?? c.files;
  if (isBlank(title) && isBlank(body) && !url && !files.length) return reject(ErrorCode.INVALID, "a card needs a title, a body, a URL or a file");
  if (kind === "link" && !url) return reject(ErrorCode.INVALID, "a link card needs a url");
  return previewFits(op.preview, url);
};

/** A preview describes the card's link as it is after the op: one fetched
 * for a link the card has since lost is refused, so it never lands. */
const previewFits = (preview: LinkPreview | "" | undefined | null, url: string): Rejection | null =>
  preview && preview.url !== url ? reject(ErrorCode.INVALID, "the preview is for another URL than the card's") : null;

/** The actor of ops the server makes itself (messages.SYSTEM_ACTOR); real
 * actors are 12 random characters, so none is ever this. */
export const SYSTEM_ACTOR = "system";

/** NOT_FOUND for a card that is gone or that the sender may not see: to
 * them it is not there (the same answer, so its existence does not leak). */
const noCard = (state: BoardState, cardId: string, viewer: Viewer): Rejection | null => {
  const c = liveCard(state, cardId);
  return !c || !seesCard(state, c, viewer) ? reject(ErrorCode.NOT_FOUND, "no such card") : null;
};

const moderationApplies = (status: string, action: ModAction, what: string): Rejection | null =>
  MOD_FROM[action].includes(status) ? null : reject(ErrorCode.INVALID, `cannot ${action} a ${status} ${what}`);

const checkObjects = (state: BoardState, op: Op, actor: string, role: Role): Rejection | null => {
  const viewer: Viewer = { role, actor };
  const notFound = (what: string): Rejection => reject(ErrorCode.NOT_FOUND, `no such ${what}`);
  switch (op.type) {
    case "section.add":
      if (state.sections.has(op.id)) return reject(ErrorCode.EXISTS, "section id already used");
      return full(state.sections.size, () => liveSections(state), L.MAX_SECTIONS, L.MAX_SECTION_ENTRIES, "sections");
    case "section.set":
    case "section.delete": {
      const s = state.sections.get(op.id);
      return !s || s.deleted ? notFound("section") : null;
    }
    case "card.add":
      if (state.cards.has(op.id)) return reject(ErrorCode.EXISTS, "card id already used");
      {
        const cap = full(state.cards.size, () => liveCards(state), L.MAX_CARDS, L.MAX_CARD_ENTRIES, "cards");
        if (cap) return cap;
      }
      if (op.section && !state.sections.has(op.section)) return notFound("section");
      return previewFits(op.preview, op.url ?? "");
    case "card.set":
    case "card.move":
    case "card.delete": {
      const c = liveCard(state, op.id);
      if (!c || !seesCard(state, c, viewer)) return notFound("card");
      if (op.type === "card.set") {
        const invalid = editBreaksCard(c, op);
        if (invalid) return invalid;
      }
      // A section the board has known (a deleted one too: the card then shows
      // under "no section", and a concurrent delete loses nothing).
      if (op.type === "card.move" && op.section && !state.sections.has(op.section)) return notFound("section");
      return ownerOrFacilitator(c.author, actor, role);
    }
    case "comment.add": {
      if (state.comments.has(op.id)) return reject(ErrorCode.EXISTS, "comment id already used");
      const missing = noCard(state, op.card, viewer);
      if (missing) return missing;
      return full(state.comments.size, () => liveComments(state), L.MAX_COMMENTS, L.MAX_COMMENT_ENTRIES, "comments");
    }
    case "comment.delete": {
      const m = state.comments.get(op.id);
      if (!m || m.deleted || !seesComment(state, m, viewer)) return notFound("comment");
      return ownerOrFacilitator(m.author, actor, role);
    }
    case "reaction.set":
      return noCard(state, op.card, viewer);
    case "vote.cast":
      return noCard(state, op.card, viewer)
        ?? (votesUsed(state, actor) >= state.settings.vote_budget ? reject(ErrorCode.VOTE_BUDGET, "no dot votes left") : null);
    case "vote.retract":
      return noCard(state, op.card, viewer)
        ?? ((state.votes.get(op.card)?.get(actor) ?? 0) <= 0 ? reject(ErrorCode.NOT_FOUND, "no vote of yours on this card") : null);
    case "notes.update": {
      // The board's notes: anyone who writes here. A card's description:
      // anyone who may see the card (shared text, not the author's own).
      const card = docCard(op.doc);
      return card === null ? null : noCard(state, card, viewer);
    }
    case "posts.delete": {
      const { cards, comments } = postsBy(state, op.author, op.since);
      return cards.length || comments.length ? null : reject(ErrorCode.NOT_FOUND, "no cards or comments match");
    }
    case "card.moderate": {
      const c = liveCard(state, op.id);
      return c ? moderationApplies(c.status, op.action, "card") : notFound("card");
    }
    case "comment.moderate": {
      const m = state.comments.get(op.id);
      return m && !m.deleted ? moderationApplies(m.status, op.action, "comment") : notFound("comment");
    }
    default:
      return null;
  }
};

const checkSession = (state: BoardState, op: Op): Rejection | null => {
  const s = state.session;
  switch (op.type) {
    case "timer.set":
      if (op.action === "pause" && s.timer_ends_at === 0) return reject(ErrorCode.INVALID, "the timer is not running");
      if (op.action === "resume" && s.timer_remaining === 0) return reject(ErrorCode.INVALID, "the timer is not paused");
      return null;
    case "spotlight.set":
      if (op.card !== undefined) {
        const c = liveCard(state, op.card);
        // Until the reveal (hide_cards) no card is everyone's to spotlight.
        if (!c || c.status !== "visible" || state.settings.hide_cards) return reject(ErrorCode.NOT_FOUND, "no such card (or not visible to all)");
      } else if (op.section !== undefined) {
        const sec = state.sections.get(op.section);
        if (!sec || sec.deleted) return reject(ErrorCode.NOT_FOUND, "no such section");
      }
      return null;
    case "round.close":
      return s.round_open ? null : reject(ErrorCode.INVALID, "no vote round is open");
    case "participant.remove":
      return state.removed.has(op.actor) ? reject(ErrorCode.INVALID, "already removed") : null;
    case "participant.restore":
      return state.removed.has(op.actor) ? null : reject(ErrorCode.INVALID, "not removed");
    default:
      return null;
  }
};
