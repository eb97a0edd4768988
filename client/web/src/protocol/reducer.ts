/** The deterministic reducer (protocol/reducer.py): `apply(state, event)`.
 * Total: an op the policy refuses at this point of the log is a no-op, never
 * an error, so replicas applying the same log converge. Mutates in place. */
import { liveCard, newCard, newComment, newSection, postsBy, type BoardState, type Role } from "./model";
import type { Op } from "./ops";
import { check } from "./policy";

export interface Event {
  seq: number;
  op_id: string;
  actor: string;
  name: string;
  role: Role;
  at: number;
  /** null: a placeholder this role may not see; advances seq only. */
  op: Op | null;
}

const set = <T, K extends keyof T>(target: T, key: K, v: T[K] | undefined): void => {
  if (v !== undefined && v !== null) target[key] = v;
};

/** Apply one event in seq order; an older or equal seq is ignored. */
export const apply = (state: BoardState, event: Event): BoardState => {
  if (event.seq <= state.seq) return state;
  state.seq = event.seq;
  const op = event.op;
  if (op === null || check(state, op, event.actor, event.role) !== null) return state;
  applyOp(state, op, event.actor, event.name, event.at);
  return state;
};

/** The effect of an op the policy allowed (also used for optimistic apply). */
export const applyOp = (state: BoardState, op: Op, actor: string, name: string, at: number): void => {
  switch (op.type) {
    case "board.set": {
      const s = state.settings;
      set(s, "title", op.title);
      set(s, "layout", op.layout);
      set(s, "theme", op.theme);
      set(s, "vote_budget", op.vote_budget);
      break;
    }
    case "section.add":
      state.sections.set(op.id, newSection(op.id, { title: op.title, pos: op.pos }));
      break;
    case "section.set": {
      const s = state.sections.get(op.id);
      if (s) { set(s, "title", op.title); set(s, "pos", op.pos); }
      break;
    }
    case "section.delete":
      state.sections.set(op.id, newSection(op.id, { deleted: true }));
      break;
    case "card.add":
      state.cards.set(op.id, newCard(op.id, {
        kind: op.kind ?? "note", title: op.title ?? "", body: op.body ?? "", color: op.color ?? "yellow",
        url: op.url || "", section: op.section || "", pos: op.pos ?? "a0", x: op.x ?? 0, y: op.y ?? 0,
        author: actor, author_name: name, created_at: at, updated_at: at,
      }));
      break;
    case "card.set": {
      const c = state.cards.get(op.id);
      if (!c) break;
      // An op that names no field changes nothing, updated_at included.
      if ([op.kind, op.title, op.body, op.color, op.url].every((v) => v === undefined || v === null)) break;
      set(c, "kind", op.kind); set(c, "title", op.title); set(c, "body", op.body);
      set(c, "color", op.color); set(c, "url", op.url);
      c.updated_at = at;
      break;
    }
    case "card.move": {
      const c = state.cards.get(op.id);
      if (!c) break;
      if ([op.section, op.pos, op.x, op.y].every((v) => v === undefined || v === null)) break;
      set(c, "section", op.section); set(c, "pos", op.pos); set(c, "x", op.x); set(c, "y", op.y);
      c.updated_at = at;
      break;
    }
    case "card.delete":
      deleteCard(state, op.id);
      break;
    case "comment.add":
      state.comments.set(op.id, newComment(op.id, op.card, { body: op.body, author: actor, author_name: name, created_at: at }));
      break;
    case "comment.delete":
      deleteComment(state, op.id);
      break;
    case "posts.delete": {
      const { cards, comments } = postsBy(state, op.author, op.since);
      for (const id of cards) deleteCard(state, id);
      for (const id of comments) deleteComment(state, id);
      break;
    }
    case "reaction.set": {
      let per = state.reactions.get(op.card);
      if (!per) state.reactions.set(op.card, (per = new Map()));
      let actors = per.get(op.emoji);
      if (!actors) per.set(op.emoji, (actors = new Set()));
      if (op.on) actors.add(actor);
      else actors.delete(actor);
      break;
    }
    case "vote.cast": {
      let per = state.votes.get(op.card);
      if (!per) state.votes.set(op.card, (per = new Map()));
      per.set(actor, (per.get(actor) ?? 0) + 1);
      break;
    }
    case "vote.retract": {
      const per = state.votes.get(op.card);
      if (!per) break;
      const n = (per.get(actor) ?? 0) - 1;
      if (n <= 0) per.delete(actor);
      else per.set(actor, n);
      break;
    }
  }
};

/** Tombstone: the default card, created_at kept; its reactions and votes go. */
const deleteCard = (state: BoardState, id: string): void => {
  state.cards.set(id, newCard(id, { deleted: true, created_at: state.cards.get(id)?.created_at ?? 0 }));
  state.reactions.delete(id);
  state.votes.delete(id);
};

const deleteComment = (state: BoardState, id: string): void => {
  const old = state.comments.get(id);
  state.comments.set(id, newComment(id, old?.card ?? "", { deleted: true }));
};

export const replay = (state: BoardState, events: Event[]): BoardState => {
  for (const e of events) apply(state, e);
  return state;
};

export { liveCard };
