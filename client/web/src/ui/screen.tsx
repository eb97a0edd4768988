/** The hub screen: read-only, large type, auto-fit, a big QR code to join.
 * Runs unattended for days: reconnects forever, reloads after an upgrade. */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { Session } from "../sync/session";
import { CardView } from "./card";
import { ConnectionStatus } from "./common";
import { fragmentParams, safeStorage, useRecentChanges, useSession, wsUrl } from "./hooks";
import { columns, liveCards, liveSections, sortCards } from "./order";
import { QrCode } from "./qr";

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

const MAX_FONT = 30;
const MIN_FONT = 11;


export function HubScreen({ board }: { board: string }) {
  const params = fragmentParams();
  const token = params.get("t") ?? "";
  const join = params.get("join") ?? "";
  const [restart, setRestart] = useState(0);
  const webVersion = useRef<string | null>(null);
  const session = useMemo(
    () => new Session({
      url: wsUrl(), board, token, name: "Hub screen", store: safeStorage,
      onReconnected: () => {
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
  // An unattended screen never gives up: even a terminal close is retried slowly.
  useEffect(() => {
    if (session.state !== "closed") return;
    const id = setTimeout(() => setRestart((n) => n + 1), 60_000);
    return () => clearTimeout(id);
  }, [session.state, session]);

  const state = session.replica.view();
  useEffect(() => { document.title = `${state.settings.title} · Prikbord`; }, [state.settings.title]);
  useEffect(() => { document.documentElement.dataset.theme = state.settings.theme === "light" ? "hub" : state.settings.theme; }, [state.settings.theme]);

  // Auto-fit: shrink the type until every card fits the screen.
  const area = useRef<HTMLDivElement>(null);
  const [font, setFont] = useState(MAX_FONT);
  const count = liveCards(state).length;
  const sig = `${count}:${state.seq}`;
  useEffect(() => { setFont(MAX_FONT); }, [count]);
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    if (el.scrollHeight > el.clientHeight + 2 && font > MIN_FONT) setFont((f) => Math.max(MIN_FONT, Math.floor(f * 0.9)));
  }, [sig, font]);
  useEffect(() => {
    const onResize = () => setFont(MAX_FONT);
    window.addEventListener("resize", onResize);
    return () => window.removeEventListener("resize", onResize);
  }, []);

  const ctx = { session: null, state, members: session.members, recent, big: true };
  const layout = state.settings.layout;
  const sections = liveSections(state);
  const cols = columns(state, "manual");
  return (
    <div class="screen" style={{ fontSize: `${font}px` }}>
      <header class="screen-head">
        <h1 data-testid="board-title">{state.settings.title}</h1>
        <ConnectionStatus session={session} />
      </header>
      <div class="screen-main">
        <div class="screen-cards" ref={area} data-testid="screen-cards">
          {count === 0 ? <p class="empty">{t("emptyScreen")}</p> : null}
          {layout === "columns" && sections.length > 0 ? (
            <div class="columns">
              {["", ...sections.map((s) => s.id)].filter((id) => id !== "" || (cols.get("")?.length ?? 0) > 0).map((id) => (
                <section key={id} class="column">
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
      </div>
    </div>
  );
}
