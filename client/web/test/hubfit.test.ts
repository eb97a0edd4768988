import { describe, expect, it } from "vitest";
import { GAP_EM, MIN_FONT_1080, TILE_H_EM, TILE_W_EM, fitColumns, fitGrid, maxFont, minFont, pageOf, tilesIn } from "../src/ui/hub/fit";
import { reactionCounts } from "../src/ui/hub/tile";

// The card area of a 1920×1080 screen beside the QR panel.
const AREA = { w: 1460, h: 900 };
const MIN = minFont(1080);
const MAX = maxFont(1080);

describe("hub screen type size and pages", () => {
  it("never sets card text below the room's minimum, scaled to the screen", () => {
    expect(MIN).toBe(MIN_FONT_1080);
    expect(minFont(2160)).toBe(2 * MIN_FONT_1080);
    for (const n of [1, 10, 30, 300, 1000, 5000]) {
      expect(fitGrid(n, AREA, MIN, MAX).font).toBeGreaterThanOrEqual(MIN);
      expect(fitColumns(["a", "b", "c"], [n, 1, 0], AREA, MIN, MAX).font).toBeGreaterThanOrEqual(MIN);
    }
  });

  it("shows few cards larger, and pages when they do not fit at the minimum", () => {
    const few = fitGrid(3, AREA, MIN, MAX);
    expect(few.font).toBeGreaterThan(MIN + 10);
    expect(fitGrid(1, AREA, MIN, MAX).font).toBe(MAX);
    expect(few.pages).toBe(1);
    const many = fitGrid(1000, AREA, MIN, MAX);
    expect(many.font).toBe(MIN);
    expect(many.pages).toBe(Math.ceil(1000 / many.perPage));
    // A page is what the area holds at that size.
    const { across, down } = tilesIn(AREA, MIN);
    expect(many.perPage).toBe(across * down);
    expect(across * (TILE_W_EM * MIN) + (across - 1) * GAP_EM * MIN).toBeLessThanOrEqual(AREA.w);
    expect(down * (TILE_H_EM * MIN) + (down - 1) * GAP_EM * MIN).toBeLessThanOrEqual(AREA.h);
  });

  it("picks the largest size at which every card fits on one page", () => {
    for (const n of [4, 8, 12, 16]) {
      const fit = fitGrid(n, AREA, MIN, MAX);
      if (fit.pages === 1 && fit.font < MAX) {
        const { across, down } = tilesIn(AREA, fit.font + 1);
        expect(across * down).toBeLessThan(n);
      }
    }
  });

  it("columns: all side by side when they fit; else groups take turns and long columns page", () => {
    const three = fitColumns(["q", "o", "i"], [2, 2, 1], AREA, MIN, MAX);
    expect(three.groups).toEqual([["q", "o", "i"]]);
    expect(three.slides).toEqual([{ group: 0, page: 0 }]);
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const wide = fitColumns(ids, ids.map(() => 1), AREA, MIN, MAX);
    expect(wide.font).toBe(MIN);
    expect(wide.groups.length).toBeGreaterThan(1);
    expect(wide.groups.flat()).toEqual(ids);
    const long = fitColumns(["q", "o"], [100, 1], AREA, MIN, MAX);
    expect(long.slides.length).toBe(Math.ceil(100 / long.perPage));
  });

  it("pages wrap round", () => {
    const items = [1, 2, 3, 4, 5];
    expect(pageOf(items, 0, 2)).toEqual([1, 2]);
    expect(pageOf(items, 2, 2)).toEqual([5]);
    expect(pageOf(items, 3, 2)).toEqual([1, 2]);
  });

  it("reads reaction counts from a card's facts", () => {
    expect(reactionCounts("👍2;❤️1*;")).toEqual([["👍", 2], ["❤️", 1]]);
    expect(reactionCounts("")).toEqual([]);
  });
});
