/** Where cards go on the wall: a new card's free spot, and the facilitator's
 * "tidy" into a grid. Pure (unit-tested in test/placement.test.ts).
 *
 * The wall is cut into cells of one card each. A new card takes the first
 * free cell in reading order — but of *its own share* of the cells: with P
 * people able to post (from presence, the same list on every device), the
 * person of rank r (their actor id's place in the sorted list) uses cells
 * r, r + P, r + 2P, … So phones posting at the same moment, each from a view
 * that may lack the others' newest cards, still never pick the same cell.
 * When ranks are unknown (anonymous presence blanks others' actors) the
 * rank falls back to a hash of the actor id: rarely equal, never worse than
 * a random offset. */
import * as L from "../protocol/limits";

export interface Spot { x: number; y: number }
/** A card's top-left corner on the wall. */
export interface Placed { x: number; y: number }

/** A card on the wall is this wide (styles.css `.wall .card`). */
export const CARD_W = 260;
/** Cards are as tall as their text; a typical card (title, two lines, the
 * footer) is about this tall. Cells leave room for it. */
export const CARD_H = 200;
/** One cell: a card and the gap around it. */
export const CELL_W = CARD_W + 24;
export const CELL_H = CARD_H + 30;
/** The wall's margin. */
export const MARGIN = 20;
/** Cells per row: the same on every device, so the shares never overlap.
 * Five cards (1,440 px) fill a laptop screen; a phone scrolls the wall. */
export const WALL_COLS = 5;
/** Rows the wall can hold (coordinates stop at MAX_COORD). */
export const WALL_ROWS = Math.floor((L.MAX_COORD - MARGIN - CARD_H) / CELL_H) + 1;
/** Overlap below this (px, each way) does not block a cell: a card nudged
 * a little into the gap leaves its neighbour's cell usable. */
const SLIVER = 24;

export const cellSpot = (i: number): Spot => ({ x: MARGIN + (i % WALL_COLS) * CELL_W, y: MARGIN + Math.floor(i / WALL_COLS) * CELL_H });

/** FNV-1a: a stable small hash of an id. */
export const hashId = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** My share of the cells: [rank, of]. `people` are the actor ids of those
 * present who may post (blank when hidden); `me` my own actor id. */
export const myShare = (people: readonly string[], me: string): [number, number] => {
  if (people.some((a) => a === "")) {
    const of = Math.max(1, people.length);
    return [hashId(me) % of, of];
  }
  const known = [...new Set([...people, me])].sort();
  return [known.indexOf(me), known.length];
};

/** Cells covered by cards (more than a sliver), as a set of cell indices. */
export const takenCells = (cards: Iterable<Placed>): Set<number> => {
  const taken = new Set<number>();
  for (const c of cards) {
    const c0 = Math.floor((c.x - MARGIN + SLIVER) / CELL_W);
    const c1 = Math.floor((c.x - MARGIN + CARD_W - SLIVER) / CELL_W);
    const r0 = Math.floor((c.y - MARGIN + SLIVER) / CELL_H);
    const r1 = Math.floor((c.y - MARGIN + CARD_H - SLIVER) / CELL_H);
    for (let r = Math.max(0, r0); r <= r1; r++) {
      for (let col = Math.max(0, c0); col <= Math.min(WALL_COLS - 1, c1); col++) taken.add(r * WALL_COLS + col);
    }
  }
  return taken;
};

/** The spot for a new card: the first free cell of my share, in reading
 * order; if my share is full, any free cell; if the wall is full, a spot
 * near the end picked by `rank` (cards may then overlap). */
export const freeSpot = (cards: Iterable<Placed>, rank = 0, of = 1): Spot => {
  const taken = takenCells(cards);
  const total = WALL_COLS * WALL_ROWS;
  const share = ((rank % of) + of) % of;
  for (let i = share; i < total; i += of) if (!taken.has(i)) return cellSpot(i);
  for (let i = 0; i < total; i++) if (!taken.has(i)) return cellSpot(i);
  const last = cellSpot(total - 1);
  return { x: Math.min(L.MAX_COORD, last.x - (share % 8) * 30), y: Math.min(L.MAX_COORD, last.y - (share % 8) * 30) };
};

/** A card to tidy, in the order it should end up. */
export interface Tidy { id: string; x: number; y: number }

/** The moves that arrange `cards` (already in the wanted order) into the
 * grid of cells, row by row: only cards not already at their cell move, so
 * tidying a tidy wall sends nothing. */
export const tidyMoves = (cards: readonly Tidy[]): Tidy[] => {
  const moves: Tidy[] = [];
  cards.forEach((c, i) => {
    const at = cellSpot(Math.min(i, WALL_COLS * WALL_ROWS - 1));
    if (c.x !== at.x || c.y !== at.y) moves.push({ id: c.id, x: at.x, y: at.y });
  });
  return moves;
};

/** Reading order of a messy wall: by rows of cell height, then left to
 * right, so tidying keeps roughly where people put things. */
export const readingOrder = <T extends Tidy & { created_at: number }>(cards: readonly T[]): T[] =>
  [...cards].sort((a, b) => Math.floor(a.y / CELL_H) - Math.floor(b.y / CELL_H) || a.x - b.x || a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
