/** What a role may see (protocol/visibility.py, the part a client needs).
 * The server sends each viewer only its projection of the board; these
 * rules let the policy answer NOT_FOUND for what the sender may not see,
 * exactly as the server does, and let the UI say why something shows. */
import type { BoardState, Card, Comment, Role } from "./model";

/** Who looks: a role and an actor ("" for nobody in particular). */
export interface Viewer { role: Role; actor: string }

const own = (author: string, viewer: Viewer): boolean => viewer.actor !== "" && author === viewer.actor;

/** Facilitators see every card, authors their own; everyone else a visible
 * one, unless the board hides cards until the reveal. */
export const seesCard = (state: BoardState, card: Card, viewer: Viewer): boolean => {
  if (viewer.role === "facilitator" || own(card.author, viewer)) return true;
  return card.status === "visible" && !state.settings.hide_cards;
};

/** A comment shows where its card shows, and then like a card does. */
export const seesComment = (state: BoardState, comment: Comment, viewer: Viewer): boolean => {
  const card = state.cards.get(comment.card);
  if (!card || !seesCard(state, card, viewer)) return false;
  if (viewer.role === "facilitator" || own(comment.author, viewer)) return true;
  return comment.status === "visible";
};
