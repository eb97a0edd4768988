/** The coordinator's hub pages: `/my/hubs` (the hubs, a new one) and
 * `/my/hubs/<slug>` (one hub: its agenda, visit requests, details, screen
 * link and boards). Logged in only; what an account may manage is the
 * server's answer (coordinators and administrators every hub, others the
 * hubs that name them), so the pages ask and show what comes back. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { seesAllBoards, useMe } from "../account/api";
import { AccountBar } from "../account/bar";
import { LangSwitch } from "../common";
import { PinIcon, PlusIcon } from "../icons";
import { AgendaPanel } from "./agenda";
import { HubApiError, deleteHub, getHub, listHubs, listRequests, type ManagedHub } from "./api";
import { HubBoardsPanel } from "./boards";
import { HubForm, emptyHub } from "./hubform";
import { ht } from "./i18n";
import { RequestsPanel } from "./requests";
import { ScreenLinkPanel } from "./screenpanel";
import "../account/account.css";
import "./hubs.css";

const errorText = (err: unknown): string =>
  err instanceof HubApiError && err.status === 404 ? ht("screenUnknownHub")
    : err instanceof HubApiError && err.status === 403 ? ht("needCoordinator")
      : err instanceof HubApiError && err.status > 0 ? t("serverSays", { msg: err.message })
        : t("requestFailed", { status: "—" });

/** The page frame: top bar with the account, and a login first. */
function Frame({ next, children }: { next: string; children: ComponentChildren }) {
  const me = useMe();
  useEffect(() => {
    if (me && !me.account) location.replace(`/login?next=${encodeURIComponent(next)}`);
  }, [me, next]);
  return (
    <main class="narrow account-page hubs-page">
      <header class="topbar plain">
        <a class="brand" href="/"><PinIcon /> {t("appName")}</a>
        <div class="bar-end"><AccountBar /><LangSwitch /></div>
      </header>
      {me?.account ? children : <p>{t("loading")}</p>}
    </main>
  );
}

export function HubsPage() {
  useEffect(() => { document.title = `${ht("hubs")} · Prikbord`; }, []);
  return <Frame next="/my/hubs"><HubList /></Frame>;
}

function HubList() {
  const [hubs, setHubs] = useState<ManagedHub[] | null>(null);
  const [mayCreate, setMayCreate] = useState(false);
  const [error, setError] = useState("");
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    listHubs().then((r) => { setHubs(r.hubs.filter((h) => h.may_manage)); setMayCreate(r.mayCreate); }, (err) => setError(errorText(err)));
  }, []);
  return (
    <>
      <section class="panel">
        <div class="list-head">
          <h1>{ht("hubs")}</h1>
          {mayCreate && !creating ? (
            <button type="button" class="btn primary" onClick={() => setCreating(true)} data-testid="new-hub"><PlusIcon /> {ht("newHub")}</button>
          ) : null}
        </div>
        <p class="muted">{ht("hubsIntro")}</p>
        {error ? <p class="error" role="alert">{error}</p> : null}
        {hubs === null && !error ? <p>{t("loading")}</p> : null}
        {hubs && hubs.length === 0 ? <p class="muted empty" data-testid="no-hubs">{mayCreate ? ht("noHubs") : ht("needCoordinator")}</p> : null}
        {hubs && hubs.length > 0 ? (
          <ul class="hub-list" data-testid="hub-list">
            {hubs.map((h) => (
              <li key={h.slug} data-testid="hub-item" data-slug={h.slug}>
                <span class="name"><a href={`/my/hubs/${h.slug}`}><strong>{h.name}</strong></a><span class="muted small">{[h.place, `/hubs/${h.slug}`].filter(Boolean).join(" · ")}</span></span>
                <span class="row-buttons">
                  <a class="btn small primary" href={`/my/hubs/${h.slug}`} data-testid="hub-manage">{ht("agenda")}</a>
                  <a class="btn small" href={`/hubs/${h.slug}`}>{ht("publicPage")}</a>
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {creating ? (
        <section class="panel" aria-labelledby="new-hub-title">
          <h2 id="new-hub-title">{ht("newHub")}</h2>
          <HubForm initial={emptyHub()} isNew onSaved={(h) => location.assign(`/my/hubs/${h.slug}`)} onCancel={() => setCreating(false)} />
        </section>
      ) : null}
    </>
  );
}

const TABS = ["agenda", "requests", "details", "screen", "boards"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABEL: Record<Tab, Parameters<typeof ht>[0]> = {
  agenda: "agenda", requests: "requests", details: "editHub", screen: "screenLink", boards: "hubBoards",
};

export function HubPage({ slug }: { slug: string }) {
  return <Frame next={`/my/hubs/${slug}`}><HubView slug={slug} /></Frame>;
}

function HubView({ slug }: { slug: string }) {
  const [hub, setHub] = useState<ManagedHub | null>(null);
  const [error, setError] = useState("");
  const [tab, setTab] = useState<Tab>(() => {
    const h = location.hash.replace(/^#/, "");
    return (TABS as readonly string[]).includes(h) ? (h as Tab) : "agenda";
  });
  // Agenda and requests share changes: an accepted request is on the agenda.
  const [version, setVersion] = useState(0);
  useEffect(() => {
    getHub(slug).then(setHub, (err) => setError(errorText(err)));
  }, [slug]);
  // Open requests, counted on their tab.
  const [pending, setPending] = useState<number | null>(null);
  useEffect(() => {
    listRequests(slug).then((r) => setPending(r.length), () => setPending(null));
  }, [slug, version]);
  const me = useMe();
  const remove = async () => {
    if (!hub || !confirm(ht("confirmDeleteHub", { name: hub.name }))) return;
    try {
      await deleteHub(hub.slug);
      location.assign("/my/hubs");
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => { document.title = `${hub?.name ?? slug} · ${ht("hubs")} · Prikbord`; }, [hub, slug]);
  const pick = (next: Tab) => {
    setTab(next);
    history.replaceState(history.state, "", `${location.pathname}#${next}`);
  };
  if (error) return <section class="panel"><p class="error" role="alert" data-testid="hub-error">{error}</p><a href="/my/hubs">{ht("backToHubs")}</a></section>;
  if (!hub) return <p>{t("loading")}</p>;
  if (!hub.may_manage) return <section class="panel"><p class="error" role="alert">{ht("needCoordinator")}</p></section>;
  return (
    <>
      <nav class="muted small" aria-label={ht("hubs")}><a href="/my/hubs">{ht("backToHubs")}</a></nav>
      <div class="list-head">
        <h1 data-testid="hub-title">{hub.name}</h1>
        <a class="btn small" href={`/hubs/${hub.slug}`}>{ht("publicPage")}</a>
      </div>
      <div class="hub-tabs" role="group" aria-label={hub.name}>
        {TABS.map((k) => (
          <button key={k} type="button" class={`btn small${tab === k ? " primary" : ""}`} aria-pressed={tab === k} onClick={() => pick(k)} data-testid={`tab-${k}`}>
            {ht(TAB_LABEL[k])}{k === "requests" && pending ? <span class="count" data-testid="requests-count"> ({pending})</span> : null}
          </button>
        ))}
      </div>
      {tab === "agenda" ? <AgendaPanel slug={hub.slug} version={version} onChanged={() => setVersion((v) => v + 1)} /> : null}
      {tab === "requests" ? <RequestsPanel slug={hub.slug} onChanged={() => setVersion((v) => v + 1)} onCount={setPending} /> : null}
      {tab === "details" ? (
        <section class="panel" aria-labelledby="hub-details-title">
          <h2 id="hub-details-title">{ht("editHub")}</h2>
          <HubForm key={hub.slug} initial={hub} isNew={false} onSaved={(h) => setHub(h)} />
          {seesAllBoards(me?.account ?? null) ? (
            <p class="hint-line"><button type="button" class="btn small danger" onClick={() => void remove()} data-testid="hub-delete">{ht("deleteHub")}</button></p>
          ) : null}
        </section>
      ) : null}
      {tab === "screen" ? <ScreenLinkPanel hub={hub} onReplaced={(link) => setHub({ ...hub, screen_link: link })} /> : null}
      {tab === "boards" ? <HubBoardsPanel slug={hub.slug} /> : null}
    </>
  );
}
