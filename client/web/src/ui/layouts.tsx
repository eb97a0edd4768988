/** The three layouts (wall, columns, grid) with drag and drop by pointer
 * (mouse and touch alike) and a keyboard alternative (Shift + arrows). */
import { Fragment, type TargetedKeyboardEvent, type TargetedPointerEvent } from "preact";
import { useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import * as L from "../protocol/limits";
import type { Card } from "../protocol/model";
import { CardView, type CardCtx } from "./card";
import { PlusIcon } from "./icons";
import { columns, liveCards, liveSections, posAt, sortCards, stableOrder, type SortMode } from "./order";

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
const DRAG_THRESHOLD = 6;

export interface LayoutProps {
  ctx: CardCtx;
  sort: SortMode;
  /** While true the order of cards stays as the user saw it. */
  frozen: boolean;
  /** Open the editor for a new card in this column (absent when read-only). */
  onAdd?: ((section: string) => void) | undefined;
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

const refocus = (id: string): void => {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-card="${CSS.escape(id)}"]`)?.focus());
};

/** Pointer-drag state shared by the layouts. */
function useDrag(onDrop: (d: Drag, card: Card) => void, locate?: (x: number, y: number, id: string) => Drag["target"]) {
  const [drag, setDrag] = useState<Drag | null>(null);
  const ref = useRef<Drag | null>(null);
  const start = (e: TargetedPointerEvent<HTMLElement>, card: Card): void => {
    if (e.button !== 0 || (e.target as HTMLElement).closest(INTERACTIVE)) return;
    const el = e.currentTarget;
    const d: Drag = { id: card.id, startX: e.clientX, startY: e.clientY, dx: 0, dy: 0, moved: false, target: null };
    ref.current = d;
    el.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const cur = ref.current;
      if (!cur) return;
      const dx = ev.clientX - cur.startX;
      const dy = ev.clientY - cur.startY;
      if (!cur.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      const next = { ...cur, dx, dy, moved: true, target: locate ? locate(ev.clientX, ev.clientY, cur.id) : null };
      ref.current = next;
      setDrag(next);
    };
    const up = () => {
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
      const cur = ref.current;
      ref.current = null;
      setDrag(null);
      if (cur?.moved) onDrop(cur, card);
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
  };
  return { drag, start };
}

const clampCoord = (v: number): number => Math.max(0, Math.min(L.MAX_COORD, Math.round(v)));

export function WallLayout({ ctx }: LayoutProps) {
  const session = ctx.session;
  const cards = sortCards(ctx.state, liveCards(ctx.state), "oldest");
  const { drag, start } = useDrag((d, card) => {
    session?.submit({ type: "card.move", id: card.id, x: clampCoord(card.x + d.dx), y: clampCoord(card.y + d.dy) });
  });
  const keyMove = (e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
    if (!e.shiftKey || e.target !== e.currentTarget) return;
    const step = 40;
    const delta: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const d = delta[e.key];
    if (!d) return;
    e.preventDefault();
    session?.submit({ type: "card.move", id: card.id, x: clampCoord(card.x + d[0]), y: clampCoord(card.y + d[1]) });
  };
  let w = 0;
  let h = 0;
  for (const c of cards) { w = Math.max(w, c.x + 320); h = Math.max(h, c.y + 320); }
  return (
    <div class="wall" data-testid="layout-wall" style={{ minWidth: `${w}px`, minHeight: `${h}px` }}>
      {cards.length === 0 ? <p class="empty">{t("emptyBoard")}</p> : null}
      {cards.map((card) => {
        const dragging = drag?.id === card.id;
        return (
          <CardView key={card.id} card={card} ctx={{ ...ctx, onPointerDown: start, onKeyMove: keyMove }}
            style={{ left: `${card.x}px`, top: `${card.y}px`, ...(dragging ? { transform: `translate(${drag.dx}px, ${drag.dy}px)`, zIndex: 50 } : {}) }} />
        );
      })}
    </div>
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

export function ColumnsLayout({ ctx, sort, frozen, onAdd }: LayoutProps) {
  const session = ctx.session;
  const state = ctx.state;
  const cols = columns(state, sort);
  const sections = liveSections(state);
  const stable = useStable(frozen);
  const list = (col: string, without: string): Card[] => (columns(state, "manual").get(col) ?? []).filter((c) => c.id !== without);
  const { drag, start } = useDrag((d, card) => {
    if (!d.target) return;
    const target = list(d.target.column, card.id);
    // In a sorted view the index is only meaningful for the section.
    const index = sort === "manual" ? d.target.index : target.length;
    session?.submit({ type: "card.move", id: card.id, section: d.target.column, pos: posAt(target, index) });
    refocus(card.id);
  }, locateIn);
  const order = ["", ...sections.map((s) => s.id)];
  const keyMove = (e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
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
    refocus(card.id);
  };
  const colTitle = (id: string) => (id === "" ? t("noSection") : state.sections.get(id)?.title || "—");
  const noSection = cols.get("") ?? [];
  // An empty "No column" shows up as a drop target only while dragging, at the
  // end: inserted first, it would shift every column under the pointer.
  const dropOnly = noSection.length === 0 && sections.length > 0;
  const visible = dropOnly ? [...order.slice(1), ...(drag !== null ? [""] : [])] : order;
  return (
    <div class="columns" data-testid="layout-columns">
      {visible.map((id) => {
        const cards = stable(id, cols.get(id) ?? []);
        const over = drag?.target?.column === id;
        return (
          <section key={id} class={`column${over ? " drop" : ""}`} data-column={id} aria-label={colTitle(id)} data-testid="column">
            <div class="column-head">
              <h2 class="column-title">{colTitle(id)} <span class="count">{cards.length}</span></h2>
              {onAdd ? (
                <button type="button" class="icon column-add" aria-label={t("addCardTo", { column: colTitle(id) })} title={t("addCardTo", { column: colTitle(id) })}
                  onClick={() => onAdd(id)} data-testid="column-add"><PlusIcon /></button>
              ) : null}
            </div>
            <div class="column-cards">
              {cards.map((card, i) => (
                <Fragment key={card.id}>
                  {over && drag?.target?.index === i && drag.id !== card.id ? <div class="drop-marker" aria-hidden="true" /> : null}
                  <CardView card={card} ctx={{ ...ctx, onPointerDown: start, onKeyMove: keyMove }}
                    style={drag?.id === card.id ? { transform: `translate(${drag.dx}px, ${drag.dy}px)`, zIndex: 50, position: "relative" } : undefined} />
                </Fragment>
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}

export function GridLayout({ ctx, sort, frozen }: LayoutProps) {
  const session = ctx.session;
  const stable = useStable(frozen);
  const manual = sortCards(ctx.state, liveCards(ctx.state), "manual");
  const cards = stable("grid", sortCards(ctx.state, liveCards(ctx.state), sort));
  const { drag, start } = useDrag((d, card) => {
    if (!d.target || sort !== "manual") return;
    const without = manual.filter((c) => c.id !== card.id);
    session?.submit({ type: "card.move", id: card.id, pos: posAt(without, d.target.index) });
    refocus(card.id);
  }, locateIn);
  const keyMove = (e: TargetedKeyboardEvent<HTMLElement>, card: Card) => {
    if (!e.shiftKey || e.target !== e.currentTarget || sort !== "manual") return;
    const back = e.key === "ArrowLeft" || e.key === "ArrowUp";
    if (!back && e.key !== "ArrowRight" && e.key !== "ArrowDown") return;
    const i = manual.findIndex((c) => c.id === card.id);
    const without = manual.filter((c) => c.id !== card.id);
    const j = back ? i - 1 : i + 1;
    if (i < 0 || j < 0 || j > without.length) return;
    e.preventDefault();
    session?.submit({ type: "card.move", id: card.id, pos: posAt(without, j) });
    refocus(card.id);
  };
  return (
    <div class="grid" data-testid="layout-grid" data-column="" data-grid="1">
      {cards.length === 0 ? <p class="empty">{t("emptyBoard")}</p> : null}
      {cards.map((card) => (
        <CardView key={card.id} card={card} ctx={{ ...ctx, onPointerDown: start, onKeyMove: keyMove }}
          style={drag?.id === card.id ? { transform: `translate(${drag.dx}px, ${drag.dy}px)`, zIndex: 50, position: "relative" } : undefined} />
      ))}
    </div>
  );
}
