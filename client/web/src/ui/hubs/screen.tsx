/** `/hub/<slug>/screen#<token>`: the hub's one big-screen link. It asks the
 * server what to show (`/api/hubs/<slug>/now`, ui/hubs/schedule.ts says
 * when) and shows either the running activity's board — the board screen
 * itself (ui/screen.tsx), read-only with its QR code to join — or, between
 * sessions, today's agenda in type readable from across the room.
 *
 * Unattended for days: a failed ask keeps the last picture and retries,
 * backing off; the board part reconnects by itself; an upgraded server
 * reloads the page. It never asks anyone to log in: the screen token is
 * its only key, and a refused one is said in plain words on the wall. */
import { useEffect, useRef, useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import { QrCode } from "../qr";
import { HubScreen } from "../screen";
import { HubApiError, whatNow, type Activity, type Now } from "./api";
import { ht } from "./i18n";
import { nextDelay, OFFLINE_AFTER_FAILURES } from "./schedule";
import { takeScreenToken } from "./screenlink";
import { formatDay, formatSpan, formatTime, isRunning, nextUp } from "./time";
import { typeLabel } from "./types";
import "../hub/hub.css";
import "./hubs.css";

/** The agenda's clock and its now/next marks move on this often. */
const CLOCK_MS = 15_000;

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

type Trouble = "" | "missing" | "refused" | "unknown";

export function HubScreenPage({ slug }: { slug: string }) {
  const [token] = useState(() => takeScreenToken(slug));
  const [shown, setShown] = useState<Now | null>(null);
  const [failures, setFailures] = useState(0);
  const [trouble, setTrouble] = useState<Trouble>(token ? "" : "missing");
  const [lastOk, setLastOk] = useState(0);
  const webVersion = useRef<string | null>(null);

  useEffect(() => {
    if (!token) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fails = 0;
    let current: Now | null = null;
    const ask = async () => {
      try {
        const now = await whatNow(slug, token);
        if (!live) return;
        if (fails > 0 || webVersion.current === null) {
          // Back after an outage (or the first time): an upgraded server
          // serves a new app, which this page loads.
          const v = await fetchWebVersion();
          if (v && webVersion.current && v !== webVersion.current) location.reload();
          webVersion.current ??= v;
        }
        fails = 0;
        current = now;
        setShown(now);
        setTrouble("");
        setLastOk(Date.now());
      } catch (err) {
        if (!live) return;
        fails += 1;
        if (err instanceof HubApiError && (err.status === 401 || err.status === 403)) setTrouble("refused");
        else if (err instanceof HubApiError && err.status === 404) setTrouble("unknown");
      }
      if (!live) return;
      setFailures(fails);
      timer = setTimeout(() => void ask(), nextDelay(current, Date.now(), fails, Math.random()));
    };
    void ask();
    const again = () => { clearTimeout(timer); void ask(); };
    window.addEventListener("online", again);
    return () => { live = false; clearTimeout(timer); window.removeEventListener("online", again); };
  }, [slug, token]);

  if (trouble === "missing" || (trouble && !shown)) {
    return (
      <div class="hub-wall" data-testid="hub-screen" data-mode="trouble">
        <p class="hub-wall-trouble" role="alert" data-testid="hub-screen-trouble">
          {ht(trouble === "missing" ? "screenTokenMissing" : trouble === "unknown" ? "screenUnknownHub" : "screenTokenRefused")}
        </p>
      </div>
    );
  }
  if (shown?.mode === "board") {
    // Keyed by board and link: a new activity's board (or a replaced link)
    // is a new screen with its own connection; the old one is closed.
    return (
      <div class="hub-wall-board" data-testid="hub-screen" data-mode="board" data-board={shown.board}>
        <HubScreen key={`${shown.board}:${shown.token}`} board={shown.board} link={{ token: shown.token, join: shown.join }} />
        <AgendaBand shown={shown} />
      </div>
    );
  }
  const offline = failures >= OFFLINE_AFTER_FAILURES;
  return <AgendaWall slug={slug} hub={shown?.hub ?? ""} today={shown?.mode === "agenda" ? shown.today : null} offline={offline} lastOk={lastOk} refused={trouble === "refused"} />;
}

/** Under the running activity's board, one line of the day: the hub, what
 * runs until when, and what comes next. */
function AgendaBand({ shown }: { shown: Extract<Now, { mode: "board" }> }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), CLOCK_MS);
    return () => clearInterval(id);
  }, []);
  const lang = getLang();
  const running = shown.activity;
  const next = shown.today.filter((a) => a.status === "confirmed" && a.start > now && a.id !== running?.id).sort((a, b) => a.start - b.start)[0];
  return (
    <footer class="hub-band" data-testid="hub-band">
      <span class="hub">{shown.hub}</span>
      {running ? <span><span class="badge">{ht("now")}</span> {running.title} · {formatSpan(running.start, running.end, lang)}</span> : null}
      {next ? <span data-testid="hub-band-next"><span class="badge soft">{ht("next")}</span> {formatTime(next.start)} {next.title}</span> : null}
    </footer>
  );
}

function AgendaWall({ slug, hub, today, offline, lastOk, refused }: {
  slug: string; hub: string; today: Activity[] | null; offline: boolean; lastOk: number; refused: boolean;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), CLOCK_MS);
    return () => clearInterval(id);
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = "hub";
    document.title = `${hub || slug} · Prikbord`;
  }, [hub, slug]);
  const lang = getLang();
  const items = (today ?? []).filter((a) => a.status !== "cancelled" || a.end > now);
  const highlight = nextUp(items.filter((a) => a.status !== "cancelled"), now);
  const agendaUrl = `${location.origin}/hubs/${encodeURIComponent(slug)}`;
  return (
    <div class={`hub-wall${offline ? " is-offline" : ""}`} data-testid="hub-screen" data-mode="agenda">
      <header class="hub-wall-head">
        <div>
          <h1 data-testid="hub-screen-name">{hub || slug}</h1>
          <p class="hub-wall-date">{formatDay(now, lang)}</p>
        </div>
        <p class="hub-wall-clock" aria-label={formatTime(now)}>{formatTime(now)}</p>
      </header>
      {offline || refused ? (
        <div class="screen-offline" role="alert" data-testid="screen-offline">
          <strong>{refused ? ht("screenTokenRefused") : t("screenOffline")}</strong>
          {lastOk && !refused ? <span>{t("screenOfflineHint", { time: formatTime(lastOk) })}</span> : null}
        </div>
      ) : null}
      <main class="hub-wall-main">
        <section class="hub-wall-agenda" aria-labelledby="hub-wall-today">
          <h2 id="hub-wall-today">{ht("todayAt")}</h2>
          {today === null ? null : items.length === 0 ? (
            <p class="hub-wall-empty" data-testid="hub-screen-empty">{ht("nothingToday")}</p>
          ) : (
            <ol class="hub-wall-list" data-testid="hub-screen-agenda">
              {items.map((a) => {
                const state = a.status === "cancelled" ? "cancelled" : a.end <= now ? "done" : isRunning(a, now) ? "now" : a === highlight ? "next" : "later";
                return (
                  <li key={a.id} class={`hub-wall-item is-${state}`} data-testid="hub-screen-item" data-state={state}>
                    <span class="when">{formatSpan(a.start, a.end, lang)}</span>
                    <span class="what">
                      {state === "now" || state === "next" ? <span class="badge">{ht(state)}</span> : null}
                      {state === "cancelled" ? <span class="badge off">{ht("status_cancelled")}</span> : null}
                      <strong class="title">{a.title}</strong>
                      <span class="meta">{[typeLabel(a.type), a.online ? ht("online") : a.place, a.host].filter(Boolean).join(" · ")}</span>
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
        </section>
        <aside class="hub-wall-side">
          <div class="join-panel">
            <QrCode text={agendaUrl} label={ht("scanAgenda")} class="qr big" />
            <p class="scan">{ht("scanAgenda")}</p>
            <p class="short">{agendaUrl.replace(/^https?:\/\//, "")}</p>
          </div>
        </aside>
      </main>
    </div>
  );
}
