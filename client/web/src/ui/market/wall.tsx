/** The vraag-en-aanbod wall: `/hubs/<slug>/market` (one hub) and `/market`
 * (every hub's public boards). Lists the questions and offers the server
 * gathered (as a viewer of each board sees them), filtered here by state,
 * kind and tag, and the suggested matches; "mark as matched" sets both
 * cards' state with this browser's rights on their boards (api.ts). All
 * user text goes in as text nodes. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { t } from "../../i18n";
import { normalizeTag } from "../../protocol/ops";
import { AccountBar } from "../account/bar";
import { LangSwitch } from "../common";
import { PinIcon } from "../icons";
import { loadWall, setStates, type CardRef, type Wall, type WallCard, type WallMatch } from "./api";
import { WALL_STATES, isExpired, keep, type WallFilter, type WallState } from "./fields";
import { mt, showDate, type MarketKey } from "./strings";
import "../account/account.css";
import "./market.css";

/** How often the wall asks again while open: a hub's wall changes slowly. */
const REFRESH_MS = 30_000;

const key = (r: CardRef): string => `${r.board}/${r.card}`;

function WallItem({ c, now }: { c: WallCard; now: number }) {
  const expired = isExpired(c.expires, now);
  return (
    <li class={`wall-card kind-${c.kind} state-${c.state}${expired ? " expired" : ""}`} data-testid="wall-card"
      data-card={c.card} data-kind={c.kind} data-state={c.state}>
      <h3>{c.title || c.body.slice(0, 80)}</h3>
      {c.title && c.body ? <p class="wall-body">{c.body}</p> : null}
      {c.tags.length ? <ul class="tag-chips">{c.tags.map((tag) => <li key={tag} class="tag-chip">#{tag}</li>)}</ul> : null}
      {c.contact ? <p class="market-contact">{mt("contact")}: {c.contact}</p> : null}
      <p class="market-status">
        <span class={`state-badge ${c.state}`}>{mt(`state_${c.state as "open"}`)}</span>
        {expired ? <span class="state-badge expired">{mt("expired")}</span>
          : c.expires ? <span class="market-until">{mt("until", { date: showDate(c.expires) })}</span> : null}
        {c.author_name ? <span class="wall-author">{t("by", { name: c.author_name })}</span> : null}
      </p>
      <p class="wall-board"><a href={c.link} target="_blank" rel="noopener">{mt("openBoard", { title: c.board_title || c.board })}</a></p>
    </li>
  );
}

function MatchItem({ m, cards, onMark }: { m: WallMatch; cards: Map<string, WallCard>; onMark: (m: WallMatch) => void }) {
  const q = cards.get(key(m.question));
  const o = cards.get(key(m.offer));
  if (!q || !o) return null;
  return (
    <li class="wall-match" data-testid="wall-match" data-question={m.question.card} data-offer={m.offer.card}>
      <span class="match-side"><strong>{mt("questions")}:</strong> {q.title || q.body.slice(0, 80)}</span>
      <span class="match-side"><strong>{mt("offers")}:</strong> {o.title || o.body.slice(0, 80)}</span>
      <span class="match-shared">{mt("shared", { tags: m.shared.map((s) => `#${s}`).join(" ") })}</span>
      <button type="button" class="btn small primary" data-testid="mark-matched" onClick={() => onMark(m)}>{mt("markMatched")}</button>
    </li>
  );
}

export function MarketPage({ slug }: { slug: string | null }) {
  const [wall, setWall] = useState<Wall | null>(null);
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const [filter, setFilter] = useState<WallFilter>({ state: "open", kind: "", tag: "" });
  const reload = () => loadWall(slug).then((w) => { setWall(w); setError(""); }, (e: Error) => setError(mt("failed", { msg: e.message })));
  useEffect(() => {
    document.title = `${mt(slug ? "wall" : "wallAll")} · Prikbord`;
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [slug]);
  const now = Date.now();
  const cards = useMemo(() => new Map((wall?.cards ?? []).map((c) => [key(c), c])), [wall]);
  const shown = (wall?.cards ?? []).filter((c) => keep(c, filter, now));
  const matches = (wall?.matches ?? []).filter((m) => !filter.tag || m.shared.includes(normalizeTag(filter.tag)));
  const mark = (m: WallMatch) => {
    setNote("");
    setStates([m.question, m.offer], "matched").then(
      () => { setNote(mt("marked")); void reload(); },
      (e: Error) => setNote(mt("failed", { msg: e.message })),
    );
  };
  const column = (kind: "question" | "offer") => {
    const list = shown.filter((c) => c.kind === kind);
    return (
      <section class="wall-column" aria-labelledby={`wall-${kind}`} data-testid={`wall-${kind}s`}>
        <h2 id={`wall-${kind}`}>{mt(kind === "question" ? "questions" : "offers")} <span class="n">{list.length}</span></h2>
        {list.length ? <ul class="wall-list">{list.map((c) => <WallItem key={key(c)} c={c} now={now} />)}</ul> : <p class="hint">{mt("none")}</p>}
      </section>
    );
  };
  return (
    <main class="market-page" data-testid="market-page">
      <header class="topbar plain">
        <a class="brand" href="/"><PinIcon /> {t("appName")}</a>
        <div class="bar-end"><AccountBar /><LangSwitch /></div>
      </header>
      <h1>{mt(slug ? "wall" : "wallAll")}{wall?.hub ? ` · ${wall.hub.name}` : ""}</h1>
      <p class="hint">{mt("wallHint")} {slug ? <a href={`/hubs/${slug}`}>{mt("hubPage")}</a> : null}</p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {!wall && !error ? <p>{mt("loading")}</p> : null}
      {wall ? (
        <>
          <form class="wall-filters" onSubmit={(e) => e.preventDefault()}>
            <label>{mt("filterState")}{" "}
              <select value={filter.state} data-testid="filter-state" onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value as WallState })}>
                {WALL_STATES.map((s) => <option key={s} value={s}>{mt(`st_${s}` as MarketKey)}</option>)}
              </select>
            </label>
            <label>{mt("filterKind")}{" "}
              <select value={filter.kind} data-testid="filter-kind" onChange={(e) => setFilter({ ...filter, kind: e.currentTarget.value as WallFilter["kind"] })}>
                <option value="">{mt("allKinds")}</option>
                <option value="question">{mt("questions")}</option>
                <option value="offer">{mt("offers")}</option>
              </select>
            </label>
            <label>{mt("filterTag")}{" "}
              <select value={filter.tag} data-testid="filter-tag" onChange={(e) => setFilter({ ...filter, tag: e.currentTarget.value })}>
                <option value="">{mt("allTags")}</option>
                {wall.tags.map(([tag, n]) => <option key={tag} value={tag}>#{tag} ({n})</option>)}
              </select>
            </label>
          </form>
          <section class="wall-matches" aria-labelledby="wall-matches" data-testid="wall-matches">
            <h2 id="wall-matches">{mt("matches")}</h2>
            {note ? <p class="note" role="status">{note}</p> : null}
            {matches.length ? (
              <ul class="wall-list">{matches.map((m) => <MatchItem key={`${key(m.question)}|${key(m.offer)}`} m={m} cards={cards} onMark={mark} />)}</ul>
            ) : <p class="hint">{mt("noMatches")}</p>}
          </section>
          <div class="wall-columns">{filter.kind !== "offer" ? column("question") : null}{filter.kind !== "question" ? column("offer") : null}</div>
        </>
      ) : null}
    </main>
  );
}
