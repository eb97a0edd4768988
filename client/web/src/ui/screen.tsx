/** The hub screen: read-only, large type, a big QR code to join.
 * Runs unattended for days: reconnects forever, reloads after an upgrade.
 * Cards show as fixed-size tiles in pages (ui/hub/fit.ts), never below the
 * room's minimum text size; it follows the spotlight and the timer. */
import type { RefObject } from "preact";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { getLang, t } from "../i18n";
import type { Card } from "../protocol/model";
import { Session } from "../sync/session";
import { CardView } from "./card";
import { cardFacts, type CardFacts } from "./cardindex";
import { ConnectionStatus } from "./common";
import { fitFont } from "./fit";
import { safeStorage, useRecentChanges, useSession, wsUrl } from "./hooks";
import { PAGE_MS, TILE_W_EM, fitColumns, fitGrid, maxFont, minFont, pageOf, type Area } from "./hub/fit";
import { Tile } from "./hub/tile";
import { StarIcon } from "./icons";
import { readJoin } from "./links/api";
import { takeLink, updateLink, type LinkParams } from "./links/token";
import { columns, liveCards, liveSections, sortCards } from "./order";
import { QrCode } from "./qr";
import { rankCards, roundState } from "./session/results";
import { spotTarget } from "./session/spotlight";
import { TimerBadge } from "./session/timer";
import { ScreenNotes } from "./notes/screen";
import "./hub/hub.css";
import { FileAccessContext } from "./files/attachments";

const fetchWebVersion = async (): Promise<string | null> => {
  try {
    const res = await fetch("/api/version", { cache: "no-store" });
    if (!res.ok) return null;
    const v = (await res.json()) as { web?: unknown };
    return typeof v.web === "string" ? v.web : null;
  } catch {
    return null;
  }
};

/** How often the screen asks for the current join link: a facilitator who
 * replaced the join code sees the new QR code on the wall within seconds
 * (and at once after any reconnect). One small request per screen. */
const JOIN_REFRESH_MS = 15_000;
/** A card in the spotlight fills the screen: larger type. */
const MAX_SPOT_FONT = 64;
/** Not connected for this long: the big offline state (a blip stays quiet). */
const OFFLINE_AFTER_MS = 3_000;

/** True once `on` has stayed true for `ms`. */
const useLasting = (on: boolean, ms: number): boolean => {
  const [since, setSince] = useState<number | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!on) {
      setSince(null);
      return;
    }
    setSince((s) => s ?? Date.now());
    const id = setTimeout(() => tick((n) => n + 1), ms + 50);
    return () => clearTimeout(id);
  }, [on, ms]);
  return on && since !== null && Date.now() - since >= ms;
};

/** The content box of an element (without padding), kept current. */
const useArea = (ref: RefObject<HTMLDivElement | null>): Area => {
  const [area, setArea] = useState<Area>({ w: 0, h: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const cs = getComputedStyle(el);
      const w = Math.floor(el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
      const h = Math.floor(el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom));
      setArea((a) => (a.w === w && a.h === h ? a : { w, h }));
    };
    measure();
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    window.addEventListener("resize", measure);
    return () => {
      ro?.disconnect();
      window.removeEventListener("resize", measure);
    };
  }, [ref]);
  return area;
};

/** `link`: given by a page that already holds the board's viewer link (the
 * hub's screen, ui/hubs/screen.tsx); else read from this page's address. */
export function HubScreen({ board, link: given }: { board: string; link?: LinkParams }) {
  // Read once and taken out of the address bar (ui/links/token.ts).
  const link = given ?? takeLink("screen", board);
  const token = link.token;
  const [join, setJoin] = useState(link.join);
  const [restart, setRestart] = useState(0);
  const webVersion = useRef<string | null>(null);
  const followJoin = useCallback(() => {
    void readJoin(board, token).then((current) => {
      if (!current) return;
      setJoin(current);
      updateLink("screen", board, { join: current });
    });
  }, [board, token]);
  useEffect(() => {
    followJoin();
    const id = setInterval(followJoin, JOIN_REFRESH_MS);
    return () => clearInterval(id);
  }, [followJoin]);
  const session = useMemo(
    () => new Session({
      url: wsUrl(), board, token, name: "Hub screen", store: safeStorage,
      onReconnected: () => {
        followJoin();
        void fetchWebVersion().then((v) => {
          if (v && webVersion.current && v !== webVersion.current) location.reload();
        });
      },
    }),
    [board, token, restart],
  );
  useSession(session);
  const fileAccess = useMemo(() => ({ board, token }), [board, token]);
  const recent = useRecentChanges(session, 8000);
  useEffect(() => {
    void fetchWebVersion().then((v) => { webVersion.current = v; });
    session.start();
    const nudge = () => session.nudge();
    window.addEventListener("online", nudge);
    (window as unknown as { prikbord: Session }).prikbord = session;
    return () => { window.removeEventListener("online", nudge); session.stop(); };
  }, [session]);
  // An unattended screen never gives up: even a terminal close is retried
  // slowly (not a removal: that one stands until a facilitator restores it).
  useEffect(() => {
    if (session.state !== "closed" || session.closeReason === 4105) return;
    const id = setTimeout(() => setRestart((n) => n + 1), 60_000);
    return () => clearTimeout(id);
  }, [session.state, session]);

  const state = session.replica.view();
  useEffect(() => { document.title = `${state.settings.title} · Prikbord`; }, [state.settings.title]);
  useEffect(() => { document.documentElement.dataset.theme = state.settings.theme === "light" ? "hub" : state.settings.theme; }, [state.settings.theme]);

  // Paging: one tick per PAGE_MS turns every paged view one page on.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), PAGE_MS);
    return () => clearInterval(id);
  }, []);
  const [height, setHeight] = useState(() => window.innerHeight);
  useEffect(() => {
    const onResize = () => setHeight(window.innerHeight);
    window.addEventListener("resize", onResize);
    return () => window.removeEventListener("resize", onResize);
  }, []);
  const areaRef = useRef<HTMLDivElement>(null);
  const area = useArea(areaRef);
  const min = minFont(height);
  const max = maxFont(height);
  const prevFacts = useRef(new Map<string, CardFacts>());
  const { facts } = cardFacts(state, "", prevFacts.current);
  prevFacts.current = facts;
  const down = useLasting(session.state !== "connected" && session.state !== "connecting", OFFLINE_AFTER_MS);
  const lastSeen = useRef(Date.now());
  if (session.state === "connected") lastSeen.current = Date.now();

  const target = spotTarget(state);
  const round = roundState(state);
  const ranked = round === "closed" ? rankCards(state) : [];
  const ranks = new Map(ranked.map((r) => [r.card.id, r.rank]));
  const layout = state.settings.layout;
  // `/screen/<board>?notes`: the session notes over the wall, large.
  const showNotes = new URLSearchParams(location.search).has("notes");
  const sections = liveSections(state);
  const cols = columns(state, "manual");
  const spotCard = target?.kind === "card" ? state.cards.get(target.id) : undefined;
  const mode = target ? "spotlight" : round === "closed" && ranked.length > 0 ? "results" : "board";
  const live = liveCards(state);

  // A spotlit card is one big card: its type is fitted by measuring.
  const spotRef = useRef<HTMLDivElement>(null);
  const [spotFont, setSpotFont] = useState(MAX_SPOT_FONT);
  useLayoutEffect(() => {
    const el = areaRef.current;
    const spot = spotRef.current;
    if (!spotCard || !el || !spot) return;
    const apply = (size: number) => { spot.style.fontSize = `${size}px`; };
    const best = fitFont((size) => { apply(size); return el.scrollHeight <= el.clientHeight; }, min, MAX_SPOT_FONT, spotFont);
    apply(best);
    if (best !== spotFont) setSpotFont(best);
  });

  const tile = (id: string, compact = false) => {
    const f = facts.get(id);
    return f ? <Tile key={id} facts={f} recent={recent.has(id)} rank={ranks.get(id)} compact={compact} /> : null;
  };
  const paged = (cards: readonly Card[]) => {
    const fit = fitGrid(cards.length, area, min, max);
    const page = tick % fit.pages;
    const shown = pageOf(cards, page, fit.perPage);
    return {
      font: fit.font, page, pages: fit.pages, shown,
      el: <div class="tiles" style={{ gridTemplateColumns: `repeat(${fit.across}, minmax(0, 1fr))` }}>{shown.map((c) => tile(c.id))}</div>,
    };
  };

  let font = min;
  let page = 0;
  let pages = 1;
  let shown: Card[] = [];
  let content;
  let emptyCols: string[] = [];
  if (mode === "spotlight" && spotCard) {
    content = (
      <div class="spot-card" ref={spotRef} style={{ fontSize: `${spotFont}px` }}>
        <CardView card={spotCard} ctx={{ session: null, state, members: session.members, recent, big: true }} />
      </div>
    );
    font = spotFont;
  } else if (mode === "spotlight" || mode === "results") {
    const p = paged(mode === "results" ? sortCards(state, live, "votes") : target ? cols.get(target.id) ?? [] : []);
    ({ font, page, pages } = p);
    shown = p.shown;
    content = p.el;
  } else if (live.length === 0) {
    content = <p class="empty">{state.settings.hide_cards ? t("screenHidden") : t("emptyScreen")}</p>;
  } else if (layout === "columns" && sections.length > 0) {
    const ids = ["", ...sections.map((s) => s.id)];
    const filled = ids.filter((id) => (cols.get(id)?.length ?? 0) > 0);
    emptyCols = ids.filter((id) => id !== "" && (cols.get(id)?.length ?? 0) === 0);
    const fit = fitColumns(filled, filled.map((id) => cols.get(id)?.length ?? 0), area, min, max);
    const slide = fit.slides[tick % fit.slides.length]!;
    font = fit.font;
    page = tick % fit.slides.length;
    pages = fit.slides.length;
    content = (
      <div class="hub-columns">
        {(fit.groups[slide.group] ?? []).map((id) => {
          const all = cols.get(id) ?? [];
          const colPages = Math.max(1, Math.ceil(all.length / fit.perPage));
          const here = pageOf(all, slide.page, fit.perPage);
          shown.push(...here);
          return (
            <section key={id} class="hub-column" data-testid="screen-column" aria-label={id ? state.sections.get(id)?.title || "—" : t("noSection")}>
              <h2 class="hub-column-title">
                <span class="name">{id ? state.sections.get(id)?.title || "—" : t("noSection")}</span>
                <span class="count">{all.length}{colPages > 1 ? ` · ${(slide.page % colPages) + 1}/${colPages}` : ""}</span>
              </h2>
              <div class="tiles" style={{ gridTemplateColumns: `repeat(${fit.across}, minmax(0, 1fr))` }}>{here.map((c) => tile(c.id))}</div>
            </section>
          );
        })}
      </div>
    );
  } else {
    const p = paged(sortCards(state, live, layout === "grid" ? "manual" : "newest"));
    ({ font, page, pages } = p);
    shown = p.shown;
    content = p.el;
  }
  // Recent posts always show: the newest not on this page go in the side rail.
  const onPage = new Set(shown.map((c) => c.id));
  const newest = mode === "board" && pages > 1 ? sortCards(state, live, "newest").slice(0, 2).filter((c) => !onPage.has(c.id)) : [];

  if (session.state === "closed" && session.closeReason === 4105) {
    return <div class="screen" data-testid="screen"><p class="empty" role="alert" data-testid="removed">{t("closed_4105")}</p></div>;
  }
  const time = new Date(lastSeen.current).toLocaleTimeString(getLang(), { hour: "2-digit", minute: "2-digit" });
  return (
    <FileAccessContext.Provider value={fileAccess}>
    <div class={`screen mode-${mode}${down ? " is-offline" : ""}`} data-font={font} data-testid="screen" data-mode={mode}
      data-page={page + 1} data-pages={pages} style={{ "--min-font": `${min}px` }}>
      <header class="screen-head">
        <h1 data-testid="board-title">{state.settings.title}</h1>
        {mode === "spotlight" && target ? <p class="screen-mode" data-testid="screen-spotlight"><StarIcon /> {target.kind === "section" ? target.title : t("spotlight")}</p> : null}
        {mode === "results" ? <p class="screen-mode" data-testid="screen-results">{t("screenResults", { n: state.session.round })}</p> : null}
        <TimerBadge session={state.session} clock={session.clock} big />
        <ConnectionStatus session={session} />
      </header>
      {down ? (
        <div class="screen-offline" role="alert" data-testid="screen-offline">
          <strong>{t("screenOffline")}</strong>
          <span>{t("screenOfflineHint", { time })}</span>
        </div>
      ) : null}
      <main class="screen-main">
        {showNotes ? <ScreenNotes state={state} /> : null}
        <h2 class="sr-only">{t("cardsHeading")}</h2>
        <div class="screen-left">
          <div class="screen-cards" ref={areaRef} data-testid="screen-cards" style={{ fontSize: `${font}px` }}>{content}</div>
          {pages > 1 || emptyCols.length > 0 ? (
            <div class="screen-foot">
              {emptyCols.length > 0 ? (
                <p class="empty-columns" data-testid="empty-columns">
                  {t("screenEmptyColumns")}: {emptyCols.map((id) => state.sections.get(id)?.title || "—").join(" · ")}
                </p>
              ) : <span />}
              {pages > 1 ? (
                <p class="pager" data-testid="screen-page">
                  <span class="pager-bar" aria-hidden="true"><span key={tick} class="pager-fill" style={{ animationDuration: `${PAGE_MS}ms` }} /></span>
                  {t("screenPage", { n: page + 1, m: pages })}
                </p>
              ) : null}
            </div>
          ) : null}
        </div>
        {join || newest.length > 0 ? (
          <aside class="screen-side" style={{ width: `${Math.round(TILE_W_EM * min + 32)}px`, fontSize: `${min}px` }}>
            {join ? (
              <div class="join-panel" aria-label={t("scanToJoin")}>
                <QrCode text={join} label={t("scanToJoin")} class="qr big" />
                <p class="scan">{t("scanToJoin")}</p>
                <p class="short" data-testid="join-link">{join.replace(/^https?:\/\//, "")}</p>
              </div>
            ) : null}
            {newest.length > 0 ? (
              <section class="newest" data-testid="screen-newest" aria-label={t("screenNewest")}>
                <h2>{t("screenNewest")}</h2>
                {newest.map((c) => tile(c.id, true))}
              </section>
            ) : null}
          </aside>
        ) : null}
      </main>
    </div>
    </FileAccessContext.Provider>
  );
}
