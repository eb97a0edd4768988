import { describe, expect, it } from "vitest";
import { CARD_H, CARD_W, CELL_H, CELL_W, MARGIN, WALL_COLS, cellSpot, freeSpot, myShare, readingOrder, takenCells, tidyMoves, type Placed } from "../src/ui/placement";
import { posAppend } from "../src/ui/order";

/** Overlap of two cards' nominal rectangles (px each way). */
const overlap = (a: Placed, b: Placed): [number, number] => [
  Math.max(0, Math.min(a.x, b.x) + CARD_W - Math.max(a.x, b.x)),
  Math.max(0, Math.min(a.y, b.y) + CARD_H - Math.max(a.y, b.y)),
];

describe("a new card's free spot on the wall", () => {
  it("fills cells in reading order, skipping taken ones", () => {
    expect(freeSpot([])).toEqual({ x: MARGIN, y: MARGIN });
    const cards = [cellSpot(0), cellSpot(1), cellSpot(3)];
    expect(freeSpot(cards)).toEqual(cellSpot(2));
    expect(freeSpot([...cards, cellSpot(2)])).toEqual(cellSpot(4));
  });

  it("sees a card put between cells as taking the cells it covers", () => {
    const between = { x: MARGIN + CELL_W / 2, y: MARGIN };
    expect([...takenCells([between])].sort()).toEqual([0, 1]);
    // Nudged a little into a neighbour: only its own cell.
    expect([...takenCells([{ x: MARGIN + 10, y: MARGIN + 10 }])]).toEqual([0]);
  });

  it("card 49 no longer lands on card 1 (the reported pile-up)", () => {
    const cards: Placed[] = [];
    for (let i = 0; i < 60; i++) cards.push(freeSpot(cards));
    for (let i = 0; i < cards.length; i++) {
      for (let j = i + 1; j < cards.length; j++) {
        const [w, h] = overlap(cards[i]!, cards[j]!);
        expect(w === 0 || h === 0).toBe(true);
      }
    }
  });

  it("gives people posting at the same moment different spots, even from views that miss each other's cards", () => {
    const people = Array.from({ length: 15 }, (_, i) => `actor-${(i * 7919) % 1000}`);
    const existing = [cellSpot(0), cellSpot(2), { x: 400, y: 300 }];
    const spots: Placed[] = [];
    // Each person adds two cards; each sees only the existing cards and their own.
    for (const me of people) {
      const [rank, of] = myShare(people, me);
      const mine: Placed[] = [];
      for (let k = 0; k < 2; k++) mine.push(freeSpot([...existing, ...mine], rank, of));
      spots.push(...mine);
    }
    const keys = new Set(spots.map((s) => `${s.x},${s.y}`));
    expect(keys.size).toBe(30);
    for (const s of spots) for (const e of existing) {
      const [w, h] = overlap(s, e);
      expect(w <= 24 || h <= 24).toBe(true);
    }
  });

  it("ranks people by actor id, the same on every device; falls back to a hash when actors are hidden", () => {
    expect(myShare(["b", "a", "c", "a"], "c")).toEqual([2, 3]);
    expect(myShare([], "me")).toEqual([0, 1]);
    const [r, of] = myShare(["", "", "me"], "me");
    expect(of).toBe(3);
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(3);
  });

  it("stays on the wall when it is full", () => {
    const all: Placed[] = [];
    for (let i = 0; i < 5000; i++) all.push(cellSpot(i % (WALL_COLS * 43)));
    const s = freeSpot(all, 3, 7);
    expect(s.x).toBeGreaterThanOrEqual(0);
    expect(s.y).toBeLessThanOrEqual(10_000);
  });
});

describe("tidying the wall", () => {
  it("moves only the cards that are not in their cell, in reading order", () => {
    const cards = [
      { id: "b", x: 700, y: 30, created_at: 2 },
      { id: "a", x: 25, y: 25, created_at: 1 },
      { id: "c", x: MARGIN, y: MARGIN + CELL_H, created_at: 3 },
    ];
    const order = readingOrder(cards);
    expect(order.map((c) => c.id)).toEqual(["a", "b", "c"]);
    expect(tidyMoves(order)).toEqual([
      { id: "a", ...cellSpot(0) },
      { id: "b", ...cellSpot(1) },
      { id: "c", ...cellSpot(2) },
    ]);
    const tidy = tidyMoves(order).map((m, i) => ({ ...m, created_at: i }));
    expect(tidyMoves(readingOrder(tidy))).toEqual([]); // a tidy wall sends nothing
  });
});

describe("a new card's position key", () => {
  it("comes after the last card and differs between devices adding at once", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const k = posAppend("a5");
      expect(k > "a5").toBe(true);
      expect(k < "a7").toBe(true);
      expect(k.endsWith("0")).toBe(false);
      keys.add(k);
    }
    expect(keys.size).toBeGreaterThan(45);
    expect(posAppend(null, () => 0)).toBe("a00001"); // never ends in "0"
  });
});
