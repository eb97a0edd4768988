/** The three layouts (wall, columns, grid) with drag and drop by pointer
 * and a keyboard alternative (Shift + arrows).
 *
 * Dragging starts from a card's handle (any pointer), from a mouse press
 * outside the card's text, or from a long press of a finger anywhere on the
 * card. A plain swipe over a card scrolls the page (cards keep the default
 * `touch-action`), and card text can be selected.
 *
 * Big boards: each card is memoized on its indexed facts (ui/cardindex.ts),
 * handlers passed to cards are stable, and a long column or grid renders
 * its cards in windows that grow as the user scrolls near the end. */
import { Fragment, type TargetedKeyboardEvent, type TargetedPointerEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import * as L from "../protocol/limits";
import type { Card } from "../protocol/model";
import { CardView, type CardCtx } from "./card";
import { cardFacts, type CardFacts } from "./cardindex";
import { GridIcon, PlusIcon } from "./icons";
import { columns, liveCards, liveSections, posAt, sortCards, stableOrder, type SortMode } from "./order";
import { readingOrder, tidyMoves, type Tidy } from "./placement";

interface Drag {
  id: string;
  startX: number;
  startY: number;
  dx: number;
  dy: number;
  moved: boolean;
  /** columns/grid: where it would land */
  target: { column: string; index: number } | null;
}

const INTERACTIVE = "button, a, input, textarea, select, label, form, .comments";
/** Where a mouse press selects text instead of dragging. */
const TEXT = ".card-title, .card-body, .card-link, .card-meta";
const HANDLE = ".drag-handle";
const DRAG_THRESHOLD = 6;
/** A finger held this long without moving lifts the card (shorter than the
 * browser's own long press, which would select text or open a menu). */
export const LONG_PRESS_MS = 450;
/** Cards rendered at first in one column or grid; more follow in steps of
 * this many as the end comes near (WINDOW_MARGIN ahead). 40 cards fill
 * about ten phone screens; on a 1,000-card board a window of 120 per
 * column kept a phone's main thread 34% busy at 20 updates/s, 40 keeps it
 * near 20% (bench/browser.py). */
export const WINDOW = 40;
/** How close (px) the end of a window may come before it grows. */
const WINDOW_MARGIN = "1200px";
/** Tidy sends one move per card, at this pace: half the per-connection op
 * rate (SPEC §4: 20/s), so the facilitator's other ops still go through. */
export const TIDY_OPS_PER_SECOND = 10;

export interface LayoutProps {
  ctx: CardCtx;
  sort: SortMode;
  /** While true the order of cards stays as the user saw it. */
  frozen: boolean;
  /** Open the editor for a new card in this column (absent when read-only). */
  onAdd?: ((section: string) => void) | undefined;
  /** A card that must be rendered (the user's own new card, to scroll to). */
  reveal?: string | null | undefined;
}

/** The section column the user is looking at in the columns strip (on a phone
 * the strip scrolls sideways): the first one at least half in view. */
export const columnInView = (): string | undefined => {
  const strip = document.querySelector<HTMLElement>("[data-testid=layout-columns]");
  if (!strip) return undefined;
  const view = strip.getBoundingClientRect();
  const left = Math.max(view.left, 0);
  const right = Math.min(view.right, window.innerWidth);
  for (const col of strip.querySelectorAll<HTMLElement>(":scope > [data-column]")) {
    const id = col.dataset.column ?? "";
    const r = col.getBoundingClientRect();
    if (id !== "" && r.width > 0 && Math.min(r.right, right) - Math.max(r.left, left) >= r.width / 2) return id;
  }
  return undefined;
};

/** Focus a card again after a keyboard move: it may be re-created in
 * another column, or rendered a frame later; try for a few frames. */
const refocus = (id: string, tries = 8): void => {
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(`[data-card="${CSS.escape(id)}"]`);
    if (el && document.activeElement !== el) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if ((!el || document.activeElement !== el) && tries > 1) refocus(id, tries - 1);
  });
};

/** A function whose identity never changes but that always runs the latest
 * `fn`: memoized cards keep their handlers without going stale. */
function useLatest<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const ref = useRef(fn);
  ref.current = fn;
  const stable = useRef((...args: A) => ref.current(...args));
  return stable.current;
}

/** The board's facts per card (kept across renders) and the gates every
 * card shares, for memoized cards. */
function useCards(ctx: CardCtx): { facts: Map<string, CardFacts>; gates: Pick<CardCtx, "canWrite" | "canVote" | "votingOpen"> } {
  const prev = useRef<Map<string, CardFacts>>(new Map());
  const session = ctx.session;
  const me = session?.replica.actor ?? "";
  const { facts, votesUsed } = cardFacts(ctx.state, me, prev.current);
  prev.current = facts;
  const role = session?.replica.role ?? "viewer";
  const s = ctx.state;
  const canWrite = session !== null && role !== "viewer" && (role === "facilitator" || !s.settings.locked);
  const votingOpen = !(s.session.round > 0 && !s.session.round_open);
  return { facts, gates: { canWrite, votingOpen, canVote: canWrite && votingOpen && votesUsed < s.settings.vote_budget } };
}

/** Pointer-drag state shared by the layouts. */
function useDrag(onDrop: (d: Drag, card: Card) => void, locate?: (x: number, y: number, id: string) => Drag["target"]) {
  const [drag, setDrag] = useState<Drag | null>(null);
  const ref = useRef<Drag | null>(null);
  const drop = useLatest(onDrop);
  const start = useLatest((e: TargetedPointerEvent<HTMLElement>, card: Card): void => {
    if (e.button !== 0 || ref.current) return;
    const target = e.target as HTMLElement;
    const onHandle = target.closest(HANDLE) !== null;
    if (!onHandle && target.closest(INTERACTIVE)) return;
    const touch = e.pointerType === "touch" || e.pointerType === "pen";
    // A mouse press on text selects it; a finger elsewhere than the handle
    // scrolls, unless held still (a long press).
    if (!onHandle && !touch && target.closest(TEXT)) return;
    const el = e.currentTarget;
    const pointer = e.pointerId;
    const d: Drag = { id: card.id, startX: e.clientX, startY: e.clientY, dx: 0, dy: 0, moved: false, target: null };
    let lifted = onHandle || !touch;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const lift = () => {
      lifted = true;
      ref.current = d;
      try { el.setPointerCapture(pointer); } catch { /* the pointer is gone */ }
      window.getSelection()?.removeAllRanges();
      el.classList.add("lifted");
      navigator.vibrate?.(15);
    };
    const move = (ev: PointerEvent) => {
      if (ev.pointerId !== pointer) return;
      const dx = ev.clientX - d.startX;
      const dy = ev.clientY - d.startY;
      if (!lifted) {
        if (Math.hypot(dx, dy) >= DRAG_THRESHOLD) end(); // a swipe: the browser scrolls
        return;
      }
      const cur = ref.current;
      if (!cur) return;
      if (!cur.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      const next = { ...cur, dx, dy, moved: true, target: locate ? locate(ev.clientX, ev.clientY, cur.id) : null };
      ref.current = next;
      setDrag(next);
    };
    const noMenu = (ev: Event) => { if (lifted) ev.preventDefault(); };
    const end = (ev?: PointerEvent) => {
      if (ev && ev.pointerId !== pointer) return;
      if (timer !== null) clearTimeout(timer);
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", end);
      window.removeEventListener("pointercancel", end);
      el.removeEventListener("contextmenu", noMenu);
      el.classList.remove("lifted");
      const cur = ref.current;
      ref.current = null;
      setDrag(null);
      if (cur?.moved && ev?.type === "pointerup") drop(cur, card);
    };
    if (lifted) lift();
    else timer = setTimeout(lift, LONG_PRESS_MS);
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", end);
    window.addEventListener("pointercancel", end);
    el.addEventListener("contextmenu", noMenu);
  });
  return { drag, start, dragging: ref };
}

/** While a lifted card is dragged by a finger, the page must not scroll:
 * a non-passive touchmove listener on the layout cancels the scroll then
 * (and only then). */
function useNoScrollWhileDragging(root: { current: HTMLElement | null }, dragging: { current: Drag | null }): void {
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const stop = (e: TouchEvent) => { if (dragging.current) e.preventDefault(); };
    el.addEventListener("touchmove", stop, { passive: false });
    return () => el.removeEventListener("touchmove", stop);
  }, [root, dragging]);
}

/** How many of a long list to render: a window that grows when a sentinel
 * after it comes near the viewport, and always reaches `pin` (a card that
 * must be on the page). */
function useWindow(total: number, pinIndex: number): { shown: number; sentinel: (el: HTMLElement | null) => void } {
  const [limit, setLimit] = useState(WINDOW);
  const observer = useRef<IntersectionObserver | null>(null);
  const shown = Math.min(total, Math.max(limit, pinIndex + 1));
  const sentinel = useLatest((el: HTMLElement | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el || typeof IntersectionObserver === "undefined") return;
    observer.current = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setLimit((n) => Math.max(n, shown) + WINDOW);
    }, { rootMargin: WINDOW_MARGIN });
    observer.current.observe(el);
  });
  useEffect(() => () => observer.current?.disconnect(), []);
  return { shown, sentinel };
}

const clampCoord = (v: number): number => Math.max(0, Math.min(L.MAX_COORD, Math.round(v)));

/** A facilitator's "tidy": every card into the grid of cells, in reading
 * order, one `card.move` per card that is not in its cell yet, paced at
 * TIDY_OPS_PER_SECOND. */
function TidyButton({ ctx, cards }: { ctx: CardCtx; cards: Card[] }) {
  const [progress, setProgress] = useState<{ n: number; m: number } | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);
  useEffect(() => () => { if (timer.current) clearInterval(timer.current); }, []);
  const session = ctx.session;
  if (!session) return null;
  const run = () => {
    const moves = tidyMoves(readingOrder(cards.map((c) => ({ id: c.id, x: c.x, y: c.y, created_at: c.created_at }))));
    if (moves.length === 0 || !confirm(t("tidyConfirm", { n: cards.length }))) return;
    let i = 0;
    setProgress({ n: 0, m: moves.length });
    const step = () => {
      const mv: Tidy | undefined = moves[i++];
      if (mv) session.submit({ type: "card.move", id: mv.id, x: mv.x, y: mv.y });
      if (i >= moves.length) {
        if (timer.current) clearInterval(timer.current);
        timer.current = null;
        setProgress(null);
      } else setProgress({ n: i, m: moves.length });
    };
    step();
    timer.current = setInterval(step, 1000 / TIDY_OPS_PER_SECOND);
  };
  return (
    <div class="wall-tools">
      <button type="button" class="btn small" data-testid="tidy" disabled={progress !== null} onClick={run}>
        <GridIcon /> {progress ? t("tidying", { n: progress.n, m: progress.m }) : t("tidyWall")}
      </button>
    </div>
  );
}

export function WallLayout({ ctx }: LayoutProps) {
  const session = ctx.session;
  const cards = sortCards(ctx.state, liveCards(ctx.state), "oldest");
  const { facts, gates } = useCards(ctx);
  const root = useRef<HTMLDivElement>(null);
  const { drag, start, dragging } = useDrag((d, card) => {
    session?.submit({ type: "card.move", id: card.id, x: clampCoord(card.x + d.dx), y: clampCoord(card.y + d.dy) });
  });
  useNoScrollWhileDragging(root, dragging);
  const keyMove = useLatest((e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
    if (!e.shiftKey || e.target !== e.currentTarget) return;
    const step = 40;
    const delta: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const d = delta[e.key];
    if (!d) return;
    e.preventDefault();
    session?.submit({ type: "card.move", id: card.id, x: clampCoord(card.x + d[0]), y: clampCoord(card.y + d[1]) });
    refocus(card.id);
  });
  let w = 0;
  let h = 0;
  for (const c of cards) { w = Math.max(w, c.x + 320); h = Math.max(h, c.y + 320); }
  const cardCtx = { ...ctx, ...gates, onPointerDown: start, onKeyMove: keyMove };
  return (
    <>
      {session?.replica.role === "facilitator" && cards.length > 1 ? <TidyButton ctx={ctx} cards={cards} /> : null}
      <div class="wall" ref={root} data-testid="layout-wall" style={{ minWidth: `${w}px`, minHeight: `${h}px` }}>
        {cards.length === 0 ? <p class="empty">{t("emptyBoard")}</p> : null}
        {cards.map((card) => {
          const dragging = drag?.id === card.id;
          return (
            <CardView key={card.id} card={card} ctx={cardCtx} facts={facts.get(card.id)}
              style={dragging ? { left: `${card.x}px`, top: `${card.y}px`, transform: `translate(${drag.dx}px, ${drag.dy}px)`, zIndex: 50 } : { left: `${card.x}px`, top: `${card.y}px` }} />
          );
        })}
      </div>
    </>
  );
}

/** Which column and index is under the pointer (cards of that column, minus the dragged one). */
const locateIn = (x: number, y: number, id: string): Drag["target"] => {
  // Skip the dragged card itself: it moves with the pointer.
  const col = document
    .elementsFromPoint(x, y)
    .filter((el) => !(el as HTMLElement).closest(`[data-card="${CSS.escape(id)}"]`))
    .map((el) => (el as HTMLElement).closest<HTMLElement>("[data-column]"))
    .find((el) => el);
  if (!col) return null;
  const cards = [...col.querySelectorAll<HTMLElement>("[data-card]")].filter((el) => el.dataset.card !== id);
  let index = cards.length;
  for (let i = 0; i < cards.length; i++) {
    const r = cards[i]!.getBoundingClientRect();
    const before = col.dataset.grid ? (y < r.top + r.height / 2 && x < r.right) || y < r.top : y < r.top + r.height / 2;
    if (before) { index = i; break; }
  }
  return { column: col.dataset.column ?? "", index };
};

function useStable(frozen: boolean) {
  const last = useRef(new Map<string, string[]>());
  return (key: string, cards: Card[]): Card[] => {
    const ids = cards.map((c) => c.id);
    const prev = last.current.get(key);
    const order = frozen && prev ? stableOrder(prev, ids) : ids;
    last.current.set(key, order);
    const byId = new Map(cards.map((c) => [c.id, c]));
    return order.map((id) => byId.get(id)).filter((c): c is Card => c !== undefined);
  };
}

/** One column's or the grid's cards, windowed (see useWindow). */
function CardList({ cards, ctx, facts, drag, marker, pin }: {
  cards: Card[]; ctx: CardCtx; facts: Map<string, CardFacts>; drag: Drag | null; marker: number | null; pin: string | null;
}) {
  const pinIndex = pin === null ? -1 : cards.findIndex((c) => c.id === pin);
  const { shown, sentinel } = useWindow(cards.length, pinIndex);
  return (
    <>
      {cards.slice(0, shown).map((card, i) => (
        <Fragment key={card.id}>
          {marker === i && drag?.id !== card.id ? <div class="drop-marker" aria-hidden="true" /> : null}
          <CardView card={card} ctx={ctx} facts={facts.get(card.id)}
            style={drag?.id === card.id ? { transform: `translate(${drag.dx}px, ${drag.dy}px)`, zIndex: 50, position: "relative" } : undefined} />
        </Fragment>
      ))}
      {shown < cards.length ? <div class="more" ref={sentinel} aria-hidden="true" data-testid="more-cards">…</div> : null}
    </>
  );
}

export function ColumnsLayout({ ctx, sort, frozen, onAdd, reveal }: LayoutProps) {
  const session = ctx.session;
  const state = ctx.state;
  const cols = columns(state, sort);
  const sections = liveSections(state);
  const stable = useStable(frozen);
  const { facts, gates } = useCards(ctx);
  const root = useRef<HTMLDivElement>(null);
  const [pin, setPin] = useState<string | null>(null);
  const list = (col: string, without: string): Card[] => (columns(state, "manual").get(col) ?? []).filter((c) => c.id !== without);
  const { drag, start, dragging } = useDrag((d, card) => {
    if (!d.target) return;
    const target = list(d.target.column, card.id);
    // In a sorted view the index is only meaningful for the section.
    const index = sort === "manual" ? d.target.index : target.length;
    session?.submit({ type: "card.move", id: card.id, section: d.target.column, pos: posAt(target, index) });
    refocus(card.id);
  }, locateIn);
  useNoScrollWhileDragging(root, dragging);
  const order = ["", ...sections.map((s) => s.id)];
  const keyMove = useLatest((e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
    if (!e.shiftKey || e.target !== e.currentTarget) return;
    const colId = cols.has(card.section) && card.section ? card.section : "";
    const ci = order.indexOf(colId);
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      const next = order[ci + (e.key === "ArrowLeft" ? -1 : 1)];
      if (next === undefined) return;
      e.preventDefault();
      const target = list(next, card.id);
      session?.submit({ type: "card.move", id: card.id, section: next, pos: posAt(target, target.length) });
    } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      const here = list(colId, "");
      const i = here.findIndex((c) => c.id === card.id);
      const j = e.key === "ArrowUp" ? i - 1 : i + 2;
      if (i < 0 || j < 0 || j > here.length) return;
      e.preventDefault();
      const without = here.filter((c) => c.id !== card.id);
      session?.submit({ type: "card.move", id: card.id, pos: posAt(without, e.key === "ArrowUp" ? i - 1 : i + 1) });
    } else return;
    setPin(card.id);
    refocus(card.id);
  });
  const colTitle = (id: string) => (id === "" ? t("noSection") : state.sections.get(id)?.title || "—");
  const noSection = cols.get("") ?? [];
  // An empty "No column" shows up as a drop target only while dragging, at the
  // end: inserted first, it would shift every column under the pointer.
  const dropOnly = noSection.length === 0 && sections.length > 0;
  const visible = dropOnly ? [...order.slice(1), ...(drag !== null ? [""] : [])] : order;
  const cardCtx = { ...ctx, ...gates, onPointerDown: start, onKeyMove: keyMove };
  const jump = (id: string) => {
    const el = root.current?.querySelector<HTMLElement>(`:scope > [data-column="${CSS.escape(id)}"]`);
    const smooth = !window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    el?.scrollIntoView({ block: "nearest", inline: "start", behavior: smooth ? "smooth" : "auto" });
  };
  return (
    <>
      {visible.length > 1 ? (
        <nav class="column-nav" aria-label={t("columnsNav")} data-testid="column-nav">
          {visible.filter((id) => id !== "" || !dropOnly).map((id) => (
            <button key={id} type="button" class="chip" onClick={() => jump(id)}>
              {colTitle(id)} <span class="count">{(cols.get(id) ?? []).length}</span>
            </button>
          ))}
        </nav>
      ) : null}
      <div class="columns" ref={root} data-testid="layout-columns">
        {visible.map((id) => {
          const cards = stable(id, cols.get(id) ?? []);
          const over = drag?.target?.column === id;
          const marker = over && drag?.target ? drag.target.index : null;
          return (
            <section key={id} class={`column${over ? " drop" : ""}`} data-column={id} aria-label={colTitle(id)} data-testid="column">
              <div class="column-head">
                <h2 class="column-title">{colTitle(id)} <span class="count" aria-hidden="true">{cards.length}</span></h2>
                {onAdd ? (
                  <button type="button" class="icon column-add" aria-label={t("addCardTo", { column: colTitle(id) })} title={t("addCardTo", { column: colTitle(id) })}
                    onClick={() => onAdd(id)} data-testid="column-add"><PlusIcon /></button>
                ) : null}
              </div>
              <div class="column-cards">
                <CardList cards={cards} ctx={cardCtx} facts={facts} drag={drag} marker={marker}
                  pin={cards.some((c) => c.id === reveal) ? reveal ?? null : pin} />
              </div>
            </section>
          );
        })}
      </div>
    </>
  );
}

export function GridLayout({ ctx, sort, frozen, reveal }: LayoutProps) {
  const session = ctx.session;
  const stable = useStable(frozen);
  const { facts, gates } = useCards(ctx);
  const root = useRef<HTMLDivElement>(null);
  const [pin, setPin] = useState<string | null>(null);
  const manual = sortCards(ctx.state, liveCards(ctx.state), "manual");
  const cards = stable("grid", sort === "manual" ? manual : sortCards(ctx.state, liveCards(ctx.state), sort));
  const { drag, start, dragging } = useDrag((d, card) => {
    if (!d.target || sort !== "manual") return;
    const without = manual.filter((c) => c.id !== card.id);
    session?.submit({ type: "card.move", id: card.id, pos: posAt(without, d.target.index) });
    refocus(card.id);
  }, locateIn);
  useNoScrollWhileDragging(root, dragging);
  const keyMove = useLatest((e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
    if (!e.shiftKey || e.target !== e.currentTarget || sort !== "manual") return;
    const back = e.key === "ArrowLeft" || e.key === "ArrowUp";
    if (!back && e.key !== "ArrowRight" && e.key !== "ArrowDown") return;
    const i = manual.findIndex((c) => c.id === card.id);
    const without = manual.filter((c) => c.id !== card.id);
    const j = back ? i - 1 : i + 1;
    if (i < 0 || j < 0 || j > without.length) return;
    e.preventDefault();
    session?.submit({ type: "card.move", id: card.id, pos: posAt(without, j) });
    setPin(card.id);
    refocus(card.id);
  });
  const cardCtx = { ...ctx, ...gates, onPointerDown: start, onKeyMove: keyMove };
  return (
    <div class="grid" ref={root} data-testid="layout-grid" data-column="" data-grid="1">
      {cards.length === 0 ? <p class="empty">{t("emptyBoard")}</p> : null}
      <CardList cards={cards} ctx={cardCtx} facts={facts} drag={drag} marker={null} pin={reveal ?? pin} />
    </div>
  );
}
