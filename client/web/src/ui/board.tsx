/** The board page: join with a name, then the live board. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorText, t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import { votesUsed, type BoardState, type Card } from "../protocol/model";
import { cpLen } from "../protocol/ops";
import { Session } from "../sync/session";
import { ConnectionStatus, LangSwitch, LimitedField, MoreMenu } from "./common";
import { CardEditor, type EditorTarget } from "./editor";
import { GearIcon, PeopleIcon, PinIcon, PlusIcon } from "./icons";
import { safeStorage, useNarrow, useRecentChanges, useSession, wsUrl } from "./hooks";
import { ColumnsLayout, GridLayout, WallLayout, columnInView } from "./layouts";
import { AccessCodePrompt, needsAccessCode } from "./links/access";
import { storedCode, takeLink } from "./links/token";
import type { SortMode } from "./order";
import { freeSpot, myShare } from "./placement";
import { LayoutSwitch, SettingsDialog } from "./settings";
import { FacilitateButton, FacilitatorPanel, type Tab } from "./facilitate/panel";
import { SessionNotices } from "./session/notices";
import { ResultsDialog } from "./session/dialog";
import { SpotlightLayer, SpotlightPill, spotTarget, useFollow } from "./session/spotlight";
import { TimerBadge } from "./session/timer";
import { lazy, Suspense } from "preact/compat";
import { NotesButton } from "./notes/button";
import { LibraryMenu } from "./library/menu";
import { BOARD_DOC, cardDoc, docCard } from "../protocol/notes";
import { FileAccessContext } from "./files/attachments";
import { BoardFiles } from "./files/boardfiles";

/** The notes editor (CodeMirror) loads when the notes are first opened. */
const NotesPanel = lazy(() => import("./notes/panel").then((m) => ({ default: m.NotesPanel })));

const NAME_KEY = "prikbord:name";

/** What the board shows a facilitator: cards rejected from others stay in
 * the panel's list, not on the board (hidden ones show, dimmed, to restore). */
const boardView = (s: BoardState, me: string, facilitator: boolean): BoardState => {
  if (!facilitator || ![...s.cards.values()].some((c) => c.status === "rejected" && c.author !== me)) return s;
  return { ...s, cards: new Map([...s.cards].filter(([, c]) => c.status !== "rejected" || c.author === me)) };
};

/** Names of actors seen here (presence, authorship), for the removed list. */
const useKnownNames = (members: { actor: string; name: string }[], state: BoardState): Map<string, string> => {
  const known = useRef(new Map<string, string>());
  for (const m of members) if (m.actor) known.current.set(m.actor, m.name);
  for (const c of state.cards.values()) if (c.author && c.author_name && !known.current.has(c.author)) known.current.set(c.author, c.author_name);
  return known.current;
};

/** Where a new card lands on the wall: a free cell of this person's share
 * of the wall (ui/placement.ts), so people posting at the same moment do
 * not land on each other. */
const newSpot = (state: BoardState, members: { actor: string; role: string }[], me: string): { x: number; y: number } => {
  const [rank, of] = myShare(members.filter((m) => m.role !== "viewer").map((m) => m.actor), me);
  return freeSpot([...state.cards.values()].filter((c) => !c.deleted), rank, of);
};

/** After the user adds a card, the order of the list holds this long (others'
 * new cards go after it), so the card they just made does not jump while
 * people post at the same moment. */
const SETTLE_MS = 5000;

export function BoardPage({ board }: { board: string }) {
  // Read once and taken out of the address bar (ui/links/token.ts).
  const token = takeLink("b", board).token;
  const [name, setName] = useState(() => safeStorage.getItem(NAME_KEY) ?? "");
  const [joined, setJoined] = useState(() => name.trim().length > 0);
  if (!joined) {
    return <JoinForm name={name} setName={setName} onJoin={(n) => { safeStorage.setItem(NAME_KEY, n); setName(n); setJoined(true); }} />;
  }
  return <LiveBoard board={board} token={token} name={name.trim()} />;
}

function JoinForm({ name, setName, onJoin }: { name: string; setName: (v: string) => void; onJoin: (n: string) => void }) {
  const ok = name.trim().length > 0 && cpLen(name.trim()) <= L.MAX_NAME;
  return (
    <main class="narrow join">
      <header class="topbar plain"><span class="brand"><PinIcon /> {t("appName")}</span><LangSwitch /></header>
      <form class="panel" onSubmit={(e) => { e.preventDefault(); if (ok) onJoin(name.trim()); }}>
        <h1>{t("joinTitle")}</h1>
        <LimitedField id="join-name" label={t("yourName")} value={name} max={L.MAX_NAME} onInput={setName} autoFocus hint={t("nameHint")} testid="join-name" />
        <button type="submit" class="btn primary" disabled={!ok} data-testid="join">{t("join")}</button>
      </form>
    </main>
  );
}

function LiveBoard({ board, token, name }: { board: string; token: string; name: string }) {
  const [toast, setToast] = useState("");
  const session = useMemo(
    () => new Session({
      url: wsUrl(), board, token, name, store: safeStorage, accessCode: storedCode(board),
      onRejected: (_op, code, msg) => setToast(t("opRejected", { msg: `${errorText(code, msg)} (${code})` })),
    }),
    [board, token, name],
  );
  useSession(session);
  // File requests carry the link this page joined with (it may be replaced).
  const fileAccess = useMemo(() => ({ board, token: session.linkToken }), [board, session, session.linkToken]);
  const recent = useRecentChanges(session);
  const [editor, setEditor] = useState<EditorTarget | null>(null);
  const [settings, setSettings] = useState(false);
  const [sort, setSort] = useState<SortMode>("manual");
  const [composing, setComposing] = useState<string | null>(null);
  /** The user's own card just added: scrolled into view once it is rendered.
   * Only ever set by this user's Save, so others' changes never move the view. */
  const [reveal, setReveal] = useState<string | null>(null);
  const [settling, setSettling] = useState<string | null>(null);
  useEffect(() => {
    if (settling === null) return;
    const id = setTimeout(() => setSettling(null), SETTLE_MS);
    return () => clearTimeout(id);
  }, [settling]);
  const [panel, setPanel] = useState<Tab | null>(null);
  const [results, setResults] = useState(false);
  /** The notes document open in the drawer: "board" or "card:<id>". */
  const [notesDoc, setNotesDoc] = useState<string | null>(null);
  const narrow = useNarrow();

  useEffect(() => {
    session.start();
    const nudge = () => session.nudge();
    const vis = () => { if (document.visibilityState === "visible") session.nudge(); };
    window.addEventListener("online", nudge);
    document.addEventListener("visibilitychange", vis);
    (window as unknown as { prikbord: Session }).prikbord = session;
    return () => {
      window.removeEventListener("online", nudge);
      document.removeEventListener("visibilitychange", vis);
      session.stop();
    };
  }, [session]);
  useEffect(() => {
    if (!reveal || editor) return;
    const el = document.querySelector<HTMLElement>(`[data-card="${CSS.escape(reveal)}"]`);
    if (!el) return;
    setReveal(null);
    const smooth = !window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "nearest", inline: "nearest", behavior: smooth ? "smooth" : "auto" });
  });
  useEffect(() => {
    if (!toast) return;
    const id = setTimeout(() => setToast(""), 6000);
    return () => clearTimeout(id);
  }, [toast]);

  const full = session.replica.view();
  const role = session.replica.role;
  const facilitator = role === "facilitator";
  const state = boardView(full, session.replica.actor, facilitator);
  const known = useKnownNames(session.members, full);
  // A locked board is read-only for participants: no composer at all.
  // A board shown from the device's cache (offline reload) takes new cards
  // too: they wait in the outbox like any unsent op.
  const canWrite = session.state !== "connecting" && role !== "viewer" && (session.replica.epoch !== null || session.replica.restored) && (facilitator || !state.settings.locked);
  const target = spotTarget(state);
  const [following, setFollowing] = useFollow(target);
  const layout = state.settings.layout;
  useEffect(() => { document.title = `${state.settings.title} · Prikbord`; }, [state.settings.title]);
  useEffect(() => { document.documentElement.dataset.theme = state.settings.theme; }, [state.settings.theme]);

  if (session.state === "closed" && session.closeReason === 4105) {
    return (
      <main class="narrow removed-page">
        <div class="panel" role="alert" data-testid="removed">
          <h1>{t("closed_4105")}</h1>
          <p>{t("closed_4105_hint")}</p>
        </div>
      </main>
    );
  }
  if (session.state === "closed" && needsAccessCode(session.closeReason)) {
    return <AccessCodePrompt session={session} />;
  }
  if (session.state === "closed") {
    const code = session.closeReason;
    const key = (["closed_4102", "closed_4103", "closed_4100"] as MsgKey[]).find((k) => k.endsWith(String(code)));
    return (
      <main class="narrow">
        <div class="panel" role="alert" data-testid="closed" data-code={code}>
          <p>{key ? t(key) : t("closed_other", { code })}</p>
          <button type="button" class="btn" onClick={() => location.reload()}>{t("reload")}</button>
        </div>
      </main>
    );
  }

  const budget = state.settings.vote_budget;
  const left = Math.max(0, budget - votesUsed(state, session.replica.actor));
  const members = session.members;
  const onEdit = (card: Card) => setEditor({ card });
  const onDescription = (card: Card) => { setNotesDoc(cardDoc(card.id)); setPanel(null); };
  // A description closes when its card leaves this person's view (deleted,
  // hidden by a facilitator): the projection no longer has it (SPEC §5b).
  const notesCard = notesDoc === null ? null : docCard(notesDoc);
  const notesOpen = notesDoc !== null && (notesCard === null || (full.cards.get(notesCard)?.deleted === false));
  const ctx = { session, state, members, recent, onEdit, onDescription, onComposing: setComposing, unsaved: session.unsavedCards(), ...(target?.kind === "card" ? { spotlight: target.id } : {}) };
  const frozen = composing !== null || editor !== null || settling !== null;
  const onAdd = canWrite ? (section: string) => setEditor({ card: null, section, ...newSpot(state, members, session.replica.actor) }) : undefined;
  const props = { ctx, sort, frozen, onAdd, reveal };

  // On a phone the less used controls fold into one menu (issue 10: no
  // sideways scroll at 360 px); sort goes with them.
  const sortControl = layout !== "wall" ? (
    <label class="sort">
      <span class="sr-only">{t("sort")}</span>
      <select value={sort} onChange={(e) => setSort(e.currentTarget.value as SortMode)} aria-label={t("sort")} data-testid="sort">
        {(["manual", "votes", "newest", "oldest"] as const).map((m) => <option key={m} value={m}>{t(`sort_${m}`)}</option>)}
      </select>
    </label>
  ) : null;
  const folded = (
    <>
      {narrow ? sortControl : null}
      <LibraryMenu board={board} token={session.linkToken} facilitator={facilitator} />
      <LangSwitch />
    </>
  );

  return (
    <FileAccessContext.Provider value={fileAccess}>
    <div class={`app layout-${layout}${(facilitator && panel) || notesOpen ? " with-drawer" : ""}`}>
      <header class="topbar">
        <a class="brand" href="/" aria-label={t("home")}><PinIcon /></a>
        <h1 class="board-title" data-testid="board-title">{state.settings.title}</h1>
        <div class="spacer" />
        <TimerBadge session={state.session} clock={session.clock} />
        {facilitator ? <LayoutSwitch session={session} state={state} /> : null}
        {narrow ? null : sortControl}
        {canWrite && budget > 0 ? <span class="budget" data-testid="votes-left" title={t("votesLeft", { n: left, max: budget })}><span aria-hidden="true"><span class="budget-dot">● </span>{left}/{budget}</span><span class="sr-only">{t("votesLeft", { n: left, max: budget })}</span></span> : null}
        <details class="presence">
          <summary data-testid="presence"><PeopleIcon /> <span aria-hidden="true">{members.length}</span><span class="sr-only">{t("presentN", { n: members.length })}</span></summary>
          <ul aria-label={t("present")}>
            {members.map((m) => (
              <li key={m.conn}>{m.name}{m.actor === session.replica.actor ? ` (${t("you")})` : ""} <span class="role">{t(`role_${m.role}` as MsgKey)}</span></li>
            ))}
          </ul>
        </details>
        <ConnectionStatus session={session} />
        <NotesButton open={notesOpen && notesCard === null} onToggle={() => { setNotesDoc(notesOpen && notesCard === null ? null : BOARD_DOC); setPanel(null); }} />
        {facilitator ? <FacilitateButton state={full} onOpen={() => setPanel(panel ?? "queue")} /> : null}
        {facilitator ? <button type="button" class="btn ghost" onClick={() => setSettings(true)} data-testid="settings"><GearIcon /><span class="label-wide"> {t("boardSettings")}</span></button> : null}
        {narrow ? <MoreMenu>{folded}</MoreMenu> : folded}
      </header>
      {role === "viewer" && session.replica.epoch !== null ? <p class="banner" role="note">{t("readOnly")}</p> : null}
      <SessionNotices state={state} role={role} session={session} onResults={() => setResults(true)} />
      {target && !following ? <div class="notices"><SpotlightPill target={target} onFollow={() => setFollowing(true)} /></div> : null}
      <main class="board" id="board" aria-label={state.settings.title}>
        <h2 class="sr-only">{t("cardsHeading")}</h2>
        <p class="sr-only">{t("moveHint")}</p>
        {layout === "columns" ? <ColumnsLayout {...props} /> : layout === "grid" ? <GridLayout {...props} /> : <WallLayout {...props} />}
      </main>
      {canWrite ? (
        <button type="button" class="fab" data-testid="add-card"
          onClick={() => setEditor({ card: null, ...(layout === "columns" ? { section: columnInView() } : {}), ...newSpot(state, members, session.replica.actor) })}>
          <PlusIcon /> {t("addCard")}
        </button>
      ) : null}
      {canWrite ? <BoardFiles session={session} spot={() => newSpot(session.replica.view(), session.members, session.replica.actor)} section={() => (layout === "columns" ? columnInView() ?? "" : "")} /> : null}
      {toast ? <div class="toast" role="alert">{toast}</div> : null}
      {editor ? <CardEditor session={session} state={state} target={editor} onClose={() => setEditor(null)} onAdded={(id) => { setReveal(id); setSettling(id); }} /> : null}
      {settings ? <SettingsDialog session={session} state={state} onClose={() => setSettings(false)} /> : null}
      {target && following && !editor && !settings ? <SpotlightLayer target={target} state={state} ctx={ctx} session={session} onStepOut={() => setFollowing(false)} /> : null}
      {results ? <ResultsDialog state={state} onClose={() => setResults(false)} /> : null}
      {notesOpen && !panel ? <Suspense fallback={null}><NotesPanel key={notesDoc} session={session} state={full} doc={notesDoc} onClose={() => setNotesDoc(null)} /></Suspense> : null}
      {facilitator && panel ? <FacilitatorPanel session={session} state={full} known={known} tab={panel} setTab={setPanel} onClose={() => setPanel(null)} /> : null}
    </div>
    </FileAccessContext.Provider>
  );
}
