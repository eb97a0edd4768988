/** How the hub screen lays out cards: the type size, how many cards go on a
 * page, and the pages ("slides") it rotates through. Pure arithmetic on
 * the size of the card area — no measuring of rendered cards — so it runs
 * on every update for free and changes only when the area or the counts
 * change (unit-tested in test/hubfit.test.ts).
 *
 * Cards on the screen are tiles of a fixed size in `em` (hub.css): their
 * text is clamped to a few lines, so a page holds a known number of them.
 *
 * Legibility: card text is never smaller than MIN_FONT_1080 px on a 1080p
 * screen (scaled with the screen's height). Why 28 px: people read the hub
 * screen from about 3 m. On a typical 55–65″ 1080p screen a CSS pixel is
 * 0.63–0.75 mm, so 28 px type has an x-height of about 15 px ≈ 9–11 mm,
 * which at 3 m is about 0.2° of visual angle — the "critical print size"
 * below which reading speed drops (Legge & Bigelow, 2011, "Does print size
 * matter for reading?"). The old auto-fit went down to 11 px (0.08°):
 * unreadable beyond a metre. Labels (author, counts) are 0.72 em ≈ 20 px. */

/** Smallest card text, px on a 1080-pixel-high screen (see above). */
export const MIN_FONT_1080 = 28;
/** Largest card text: few cards are shown larger, up to this. */
export const MAX_FONT_1080 = 44;
/** A tile is this wide and high, in em of the card text (hub.css). */
export const TILE_W_EM = 12.5;
export const TILE_H_EM = 10;
/** Gap between tiles, em. */
export const GAP_EM = 0.6;
/** A column's title row, em. */
export const COLUMN_HEAD_EM = 1.9;
/** How long a page stays before the next one shows: long enough to read a
 * few cards from across the room, short enough that a 10-page board comes
 * round in two minutes. */
export const PAGE_MS = 12_000;
/** Newest posts always on screen beside the pages. */
export const NEWEST = 2;

/** The minimum card text size for a screen of this height (px). */
export const minFont = (viewportHeight: number): number => Math.max(16, Math.round((MIN_FONT_1080 * viewportHeight) / 1080));
export const maxFont = (viewportHeight: number): number => Math.max(minFont(viewportHeight), Math.round((MAX_FONT_1080 * viewportHeight) / 1080));

export interface Area { w: number; h: number }

/** Tiles that fit across and down an area at type size `f`. */
export const tilesIn = (area: Area, f: number): { across: number; down: number } => {
  const gap = GAP_EM * f;
  return {
    across: Math.max(1, Math.floor((area.w + gap) / (TILE_W_EM * f + gap))),
    down: Math.max(1, Math.floor((area.h + gap) / (TILE_H_EM * f + gap))),
  };
};

export interface GridFit { font: number; across: number; down: number; perPage: number; pages: number }

/** A grid of `n` tiles: the largest type in [min, max] at which all fit on
 * one page; else the minimum type, paged. */
export const fitGrid = (n: number, area: Area, min: number, max: number): GridFit => {
  for (let f = max; f >= min; f--) {
    const { across, down } = tilesIn(area, f);
    if (across * down >= n || f === min) {
      const perPage = across * down;
      return { font: f, across, down, perPage, pages: Math.max(1, Math.ceil(n / perPage)) };
    }
  }
  return { font: min, across: 1, down: 1, perPage: 1, pages: Math.max(1, n) }; // min > max: never
};

export interface ColumnsFit {
  font: number;
  /** Columns shown together; more groups than one take turns. */
  groups: string[][];
  /** Tiles per column side by side, and down. */
  across: number;
  down: number;
  perPage: number;
  /** The slides to rotate through: a group of columns and a page of each. */
  slides: { group: number; page: number }[];
}

/** Columns of tiles for the non-empty columns `ids` with `counts` cards.
 * The largest type at which every column shows all its cards; else the
 * minimum type, where columns too many for the width take turns in groups
 * and a long column pages through its cards. */
export const fitColumns = (ids: readonly string[], counts: readonly number[], area: Area, min: number, max: number): ColumnsFit => {
  const k = Math.max(1, ids.length);
  for (let f = max; f >= min; f--) {
    const gap = GAP_EM * f;
    const fitAcross = Math.max(1, Math.floor((area.w + gap) / (TILE_W_EM * f + gap)));
    const perGroup = Math.min(k, fitAcross);
    const colW = (area.w - (perGroup - 1) * gap) / perGroup;
    const { across, down } = tilesIn({ w: colW, h: area.h - COLUMN_HEAD_EM * f }, f);
    const perPage = across * down;
    const fits = perGroup === k && counts.every((n) => n <= perPage);
    if (!fits && f !== min) continue;
    const groups: string[][] = [];
    for (let i = 0; i < ids.length; i += perGroup) groups.push(ids.slice(i, i + perGroup));
    const slides: { group: number; page: number }[] = [];
    groups.forEach((g, gi) => {
      const pages = Math.max(1, ...g.map((id) => Math.ceil((counts[ids.indexOf(id)] ?? 0) / perPage)));
      for (let p = 0; p < pages; p++) slides.push({ group: gi, page: p });
    });
    if (slides.length === 0) slides.push({ group: 0, page: 0 });
    return { font: f, groups, across, down, perPage, slides };
  }
  return { font: min, groups: [[...ids]], across: 1, down: 1, perPage: 1, slides: [{ group: 0, page: 0 }] }; // min > max: never
};

/** Page `page` of a list, wrapping round (a column with fewer pages than
 * the slide shows its pages again). */
export const pageOf = <T>(items: readonly T[], page: number, perPage: number): T[] => {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const p = ((page % pages) + pages) % pages;
  return items.slice(p * perPage, (p + 1) * perPage);
};
