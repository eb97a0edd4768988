/** The deterministic reducer (protocol/reducer.py): `apply(state, event)`.
 * Total: an op the policy refuses at this point of the log is a no-op, never
 * an error, so replicas applying the same log converge. Mutates in place. */
import {
  cardFromWire, liveCard, newCard, newComment, newSection, postsBy, reactionsFromWire, sessionFromWire, settingsFromWire, votesFromWire,
  type BoardSession, type BoardState, type Comment, type Role,
} from "./model";
import type { EventOp, ModAction, Op, TimerSet, ViewPatch } from "./ops";
import { cardDoc, mergeInto, newDoc } from "./notes";
import { check } from "./policy";

export interface Event {
  seq: number;
  op_id: string;
  actor: string;
  name: string;
  role: Role;
  at: number;
  /** null: a placeholder this role may not see; advances seq only. A view
   * patch: what the event changed of this viewer's view (server-made). */
  op: EventOp | null;
}

/** What a moderation action makes of an object's status. */
const MOD_TO: Record<ModAction, string> = { approve: "visible", reject: "rejected", hide: "hidden", restore: "visible" };

const set = <T, K extends keyof T>(target: T, key: K, v: T[K] | undefined): void => {
  if (v !== undefined && v !== null) target[key] = v;
};

/** Apply one event in seq order; an older or equal seq is ignored. */
export const apply = (state: BoardState, event: Event): BoardState => {
  if (event.seq <= state.seq) return state;
  state.seq = event.seq;
  const op = event.op;
  if (op === null) return state;
  if (op.type === "view.patch") {
    applyPatch(state, op); // made by the server for this viewer: no policy
    return state;
  }
  if (check(state, op, event.actor, event.role) !== null) return state;
  applyOp(state, op, event.actor, event.name, event.at, event.role);
  return state;
};

/** A participant's post waits for approval in approval mode, or when the
 * server held it (word filter); a facilitator's never waits. */
const newStatus = (state: BoardState, role: Role, held: boolean | undefined): string =>
  role !== "facilitator" && (state.settings.approval || held === true) ? "pending" : "visible";

/** Times come from the event (server clock), never from a device. */
const setTimer = (s: BoardSession, op: TimerSet, at: number): void => {
  if (op.action === "start" && op.seconds !== undefined) {
    s.timer_duration = op.seconds * 1000;
    s.timer_ends_at = at + s.timer_duration;
    s.timer_remaining = 0;
  } else if (op.action === "pause") {
    s.timer_remaining = Math.max(1, s.timer_ends_at - at);
    s.timer_ends_at = 0;
  } else if (op.action === "resume") {
    s.timer_ends_at = at + s.timer_remaining;
    s.timer_remaining = 0;
  } else if (op.action === "reset") {
    s.timer_duration = s.timer_ends_at = s.timer_remaining = 0;
  }
};

const patchMap = <V>(target: Map<string, V>, values: Record<string, unknown> | undefined, make: (id: string, v: Record<string, unknown>) => V): void => {
  for (const [id, value] of Object.entries(values ?? {})) {
    if (value === null || value === undefined) target.delete(id);
    else target.set(id, make(id, value as Record<string, unknown>));
  }
};

/** Set the objects a view patch names (visibility.py); null removes one. */
export const applyPatch = (state: BoardState, patch: ViewPatch): void => {
  if (patch.settings) state.settings = settingsFromWire(patch.settings);
  if (patch.session) state.session = sessionFromWire(patch.session);
  if (patch.removed) state.removed = new Set(patch.removed);
  patchMap(state.sections, patch.sections, (id, v) => newSection(id, v));
  patchMap(state.cards, patch.cards, cardFromWire);
  patchMap(state.comments, patch.comments, (id, v) => newComment(id, String(v.card ?? ""), v as Partial<Comment>));
  patchMap(state.reactions, patch.reactions, (_id, v) => reactionsFromWire(v));
  patchMap(state.votes, patch.votes, (_id, v) => votesFromWire(v));
  for (const [doc, update] of Object.entries(patch.notes ?? {})) {
    if (update === null || update === undefined) state.notes.delete(doc);
    else mergeNotes(state, doc, update); // a document's whole state into a part of it sets it
  }
};

/** Yjs merges: concurrent updates keep everyone's characters. */
const mergeNotes = (state: BoardState, doc: string, update: Uint8Array): void => {
  const d = state.notes.get(doc) ?? newDoc();
  if (mergeInto(d, update)) state.notes.set(doc, d);
};

/** The effect of an op the policy allowed (also used for optimistic apply). */
export const applyOp = (state: BoardState, op: Op, actor: string, name: string, at: number, role: Role): void => {
  switch (op.type) {
    case "board.set": {
      const s = state.settings;
      set(s, "title", op.title);
      set(s, "layout", op.layout);
      set(s, "theme", op.theme);
      set(s, "vote_budget", op.vote_budget);
      set(s, "approval", op.approval);
      set(s, "locked", op.locked);
      set(s, "hide_cards", op.hide_cards);
      set(s, "anonymous", op.anonymous);
      set(s, "filter", op.filter);
      if (op.words !== undefined && op.words !== null) s.words = [...op.words];
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
        author: actor, author_name: name, created_at: at, updated_at: at, status: newStatus(state, role, op.held),
        files: [...(op.files ?? [])], preview: op.preview ?? null, tags: [...(op.tags ?? [])],
        contact: op.contact ?? "", expires: op.expires ?? 0, state: op.state ?? "open",
      }));
      break;
    case "card.set": {
      const c = state.cards.get(op.id);
      if (!c) break;
      // An op that names no field changes nothing, updated_at included.
      const named = [op.kind, op.title, op.body, op.color, op.url, op.files, op.preview, op.tags, op.contact, op.expires, op.state];
      if (!named.every((v) => v === undefined || v === null)) {
        // A new link drops the old link's preview, unless the op brings one.
        if (op.url !== undefined && op.url !== null && op.url !== c.url) c.preview = null;
        set(c, "kind", op.kind); set(c, "title", op.title); set(c, "body", op.body);
        set(c, "color", op.color); set(c, "url", op.url);
        if (op.files !== undefined && op.files !== null) c.files = [...op.files];
        if (op.preview !== undefined && op.preview !== null) c.preview = op.preview === "" ? null : op.preview;
        if (op.tags !== undefined && op.tags !== null) c.tags = [...op.tags];
        set(c, "contact", op.contact); set(c, "expires", op.expires); set(c, "state", op.state);
        c.updated_at = at;
      }
      // The word filter matched the new text: back to pending.
      if (op.held === true && role !== "facilitator" && c.status === "visible") c.status = "pending";
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
      state.comments.set(op.id, newComment(op.id, op.card, {
        body: op.body, author: actor, author_name: name, created_at: at, status: newStatus(state, role, op.held),
      }));
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
    case "card.moderate": {
      const c = state.cards.get(op.id);
      if (c) c.status = MOD_TO[op.action];
      break;
    }
    case "comment.moderate": {
      const m = state.comments.get(op.id);
      if (m) m.status = MOD_TO[op.action];
      break;
    }
    case "participant.remove":
      state.removed.add(op.actor);
      break;
    case "participant.restore":
      state.removed.delete(op.actor);
      break;
    case "timer.set":
      setTimer(state.session, op, at);
      break;
    case "spotlight.set":
      state.session.spotlight_kind = op.card ? "card" : op.section ? "section" : "";
      state.session.spotlight_id = op.card ?? op.section ?? "";
      break;
    case "round.open":
      state.session.round += 1;
      state.session.round_open = true;
      if (op.reset) state.votes.clear();
      break;
    case "round.close":
      state.session.round_open = false;
      break;
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
    case "notes.update":
      mergeNotes(state, op.doc, op.update);
      break;
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

/** Tombstone: the default card, created_at kept; its reactions and votes go.
 * It keeps its status: a card never shown stays unshown. */
const deleteCard = (state: BoardState, id: string): void => {
  const old = state.cards.get(id);
  state.cards.set(id, newCard(id, { deleted: true, created_at: old?.created_at ?? 0, status: old?.status ?? "visible" }));
  state.reactions.delete(id);
  state.votes.delete(id);
  state.notes.delete(cardDoc(id)); // its description goes with it
};

const deleteComment = (state: BoardState, id: string): void => {
  const old = state.comments.get(id);
  state.comments.set(id, newComment(id, old?.card ?? "", { deleted: true, status: old?.status ?? "visible" }));
};

export const replay = (state: BoardState, events: Event[]): BoardState => {
  for (const e of events) apply(state, e);
  return state;
};

export { liveCard };
