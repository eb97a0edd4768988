/** Ordering rules of the views, pure so they are unit-tested: columns and
 * their cards, sorting, positions between neighbours, and the "stable order"
 * that keeps a list from jumping while the user types. */
import { generateKeyBetween } from "fractional-indexing";
import { voteTotal, type BoardState, type Card, type Section } from "../protocol/model";

export type SortMode = "manual" | "votes" | "newest" | "oldest";

const byPos = (a: { pos: string; id: string }, b: { pos: string; id: string }): number =>
  a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export const liveSections = (s: BoardState): Section[] =>
  [...s.sections.values()].filter((x) => !x.deleted).sort(byPos);

export const liveCards = (s: BoardState): Card[] => [...s.cards.values()].filter((c) => !c.deleted);

export const sortCards = (s: BoardState, cards: Card[], mode: SortMode): Card[] => {
  const out = [...cards];
  switch (mode) {
    case "manual":
      return out.sort(byPos);
    case "votes":
      return out.sort((a, b) => voteTotal(s, b.id) - voteTotal(s, a.id) || b.created_at - a.created_at || byPos(a, b));
    case "newest":
      return out.sort((a, b) => b.created_at - a.created_at || byPos(a, b));
    case "oldest":
      return out.sort((a, b) => a.created_at - b.created_at || byPos(a, b));
  }
};

/** The column a card shows in: "" (no section) when its section is gone. */
export const columnOf = (s: BoardState, card: Card): string => {
  const sec = card.section ? s.sections.get(card.section) : undefined;
  return sec && !sec.deleted ? sec.id : "";
};

/** Column id → its cards, sorted. "" is the "no section" column. */
export const columns = (s: BoardState, mode: SortMode): Map<string, Card[]> => {
  const out = new Map<string, Card[]>([["", []]]);
  for (const sec of liveSections(s)) out.set(sec.id, []);
  for (const c of liveCards(s)) out.get(columnOf(s, c))?.push(c);
  for (const [k, v] of out) out.set(k, sortCards(s, v, mode));
  return out;
};

/** A key strictly between two neighbours' keys (either may be missing). */
export const posBetween = (before: string | null | undefined, after: string | null | undefined): string => {
  const a = before ?? null;
  let b = after ?? null;
  if (a !== null && b !== null && a >= b) b = null; // equal keys (ties by id): go after `a`
  return generateKeyBetween(a, b);
};

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The pos of a new card after `last`: the next whole key plus a random
 * fraction, so cards people add at the same moment (each after the same
 * last card) get different keys. Equal keys are ordered by id, and a new
 * card then jumped each time an equal-keyed card of someone else arrived. */
export const posAppend = (last: string | null | undefined, random: () => number = Math.random): string => {
  let frac = "";
  for (let i = 0; i < 4; i++) frac += DIGITS[Math.floor(random() * 62) % 62];
  // A key may not end in "0" (fractional-indexing's rule).
  return generateKeyBetween(last ?? null, null) + frac.replace(/0$/, "1");
};

/** The pos for dropping at `index` into `list` (the list without the moved card). */
export const posAt = (list: Card[], index: number): string =>
  posBetween(list[index - 1]?.pos ?? null, list[index]?.pos ?? null);

/** Keep the order the user sees while they type: known ids keep their place,
 * gone ones drop out, new ones go to the end (nothing above them moves). */
export const stableOrder = (previous: readonly string[], current: readonly string[]): string[] => {
  const now = new Set(current);
  const kept = previous.filter((id) => now.has(id));
  const seen = new Set(kept);
  return [...kept, ...current.filter((id) => !seen.has(id))];
};
