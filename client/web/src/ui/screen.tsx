/** The hub screen: read-only, large type, auto-fit, a big QR code to join.
 * Runs unattended for days: reconnects forever, reloads after an upgrade. */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { Session } from "../sync/session";
import { CardView } from "./card";
import { ConnectionStatus } from "./common";
import { fitFont } from "./fit";
import { safeStorage, useRecentChanges, useSession, wsUrl } from "./hooks";
import { readJoin } from "./links/api";
import { takeLink, updateLink } from "./links/token";
import { columns, liveCards, liveSections, sortCards } from "./order";
import { QrCode } from "./qr";
import { rankCards, roundState } from "./session/results";
import { spotTarget } from "./session/spotlight";
import { TimerBadge } from "./session/timer";
import { StarIcon } from "./icons";

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

const MAX_FONT = 30;
/** A card in the spotlight fills the screen: larger type. */
const MAX_SPOT_FONT = 64;
const MIN_FONT = 11;

export function HubScreen({ board }: { board: string }) {
  // Read once and taken out of the address bar (ui/links/token.ts).
  const link = takeLink("screen", board);
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

  // Auto-fit: the largest type at which every card fits the card area.
  // Measured after every render (cards, comments, layout, sections, title all
  // change the height) and on every resize of the area; trial sizes are set
  // directly on the element, so one pass settles without extra renders.
  const root = useRef<HTMLDivElement>(null);
  const area = useRef<HTMLDivElement>(null);
  const [font, setFont] = useState(MAX_FONT);
  const fontNow = useRef(MAX_FONT);
  const target = spotTarget(state);
  const maxFont = useRef(MAX_FONT);
  maxFont.current = target?.kind === "card" ? MAX_SPOT_FONT : MAX_FONT;
  const fit = useCallback(() => {
    const el = area.current;
    const top = root.current;
    if (!el || !top) return;
    const apply = (size: number) => { top.style.fontSize = `${size}px`; };
    const best = fitFont((size) => { apply(size); return el.scrollHeight <= el.clientHeight; }, MIN_FONT, maxFont.current, Math.min(fontNow.current, maxFont.current));
    apply(best);
    top.dataset.font = String(best);
    if (best !== fontNow.current) {
      fontNow.current = best;
      setFont(best);
    }
  }, []);
  useLayoutEffect(fit);
  useLayoutEffect(() => {
    const el = area.current;
    const ro = typeof ResizeObserver !== "undefined" && el ? new ResizeObserver(() => fit()) : null;
    if (ro && el) ro.observe(el);
    window.addEventListener("resize", fit);
    void document.fonts?.ready.then(fit);
    return () => { ro?.disconnect(); window.removeEventListener("resize", fit); };
  }, [fit]);
  const count = liveCards(state).length;

  const round = roundState(state);
  const ranked = round === "closed" ? rankCards(state) : [];
  const ranks = new Map(ranked.map((r) => [r.card.id, r.rank]));
  const ctx = { session: null, state, members: session.members, recent, big: true, ranks };
  const layout = state.settings.layout;
  const sections = liveSections(state);
  const cols = columns(state, "manual");
  const spotCard = target?.kind === "card" ? state.cards.get(target.id) : undefined;
  const mode = target ? "spotlight" : round === "closed" && ranked.length > 0 ? "results" : "board";
  if (session.state === "closed" && session.closeReason === 4105) {
    return <div class="screen" data-testid="screen"><p class="empty" role="alert" data-testid="removed">{t("closed_4105")}</p></div>;
  }
  return (
    <div class={`screen mode-${mode}`} ref={root} style={{ fontSize: `${font}px` }} data-font={font} data-testid="screen" data-mode={mode}>
      <header class="screen-head">
        <h1 data-testid="board-title">{state.settings.title}</h1>
        {mode === "spotlight" && target ? <p class="screen-mode" data-testid="screen-spotlight"><StarIcon /> {target.kind === "section" ? target.title : t("spotlight")}</p> : null}
        {mode === "results" ? <p class="screen-mode" data-testid="screen-results">{t("screenResults", { n: state.session.round })}</p> : null}
        <TimerBadge session={state.session} clock={session.clock} big />
        <ConnectionStatus session={session} />
      </header>
      <main class="screen-main">
        <h2 class="sr-only">{t("cardsHeading")}</h2>
        <div class="screen-cards" ref={area} data-testid="screen-cards">
          {mode === "spotlight" ? (
            spotCard ? (
              <div class="spot-card"><CardView card={spotCard} ctx={ctx} /></div>
            ) : (
              <div class="grid">{(target ? cols.get(target.id) ?? [] : []).map((c) => <CardView key={c.id} card={c} ctx={ctx} />)}</div>
            )
          ) : mode === "results" ? (
            <div class="grid">{sortCards(state, liveCards(state), "votes").map((c) => <CardView key={c.id} card={c} ctx={ctx} />)}</div>
          ) : count === 0 ? <p class="empty">{state.settings.hide_cards ? t("screenHidden") : t("emptyScreen")}</p> : layout === "columns" && sections.length > 0 ? (
            <div class="columns">
              {["", ...sections.map((s) => s.id)].filter((id) => id !== "" || (cols.get("")?.length ?? 0) > 0).map((id) => (
                <section key={id} class="column" style={{ flexGrow: Math.max(1, Math.sqrt(cols.get(id)?.length ?? 0)) }}>
                  <h2 class="column-title">{id ? state.sections.get(id)?.title || "—" : t("noSection")}</h2>
                  <div class="column-cards">{(cols.get(id) ?? []).map((c) => <CardView key={c.id} card={c} ctx={ctx} />)}</div>
                </section>
              ))}
            </div>
          ) : (
            <div class="grid">{sortCards(state, liveCards(state), layout === "grid" ? "manual" : "newest").map((c) => <CardView key={c.id} card={c} ctx={ctx} />)}</div>
          )}
        </div>
        {join ? (
          <aside class="join-panel" aria-label={t("scanToJoin")}>
            <QrCode text={join} label={t("scanToJoin")} class="qr big" />
            <p class="scan">{t("scanToJoin")}</p>
            <p class="short" data-testid="join-link">{join.replace(/^https?:\/\//, "")}</p>
          </aside>
        ) : null}
      </main>
    </div>
  );
}
