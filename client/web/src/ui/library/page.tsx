/** The library page (/library): import a JSON export, start a board from a
 * template (built-in or saved), and with a login search one's boards. Its
 * archived boards are in "My boards" (archive/unarchive there). */
import { useEffect, useState } from "preact/hooks";
import { getLang, useLang } from "../../i18n";
import { AccountBar } from "../account/bar";
import { useMe } from "../account/api";
import { LangSwitch } from "../common";
import { boardFromTemplate, hubOf, importBoard, listTemplates, searchBoards, type Created, type Hit, type TemplateItem } from "./api";
import { BoardShelf, OpenBoard } from "./boards";
import { lt } from "./strings";

function Made({ made }: { made: Created }) {
  return (
    <p role="status" data-testid="library-made">
      {lt("imported", { title: made.title })} <a href={made.links.facilitator} data-testid="library-open">{lt("openBoard")}</a>
    </p>
  );
}

export function LibraryPage() {
  const lang = useLang();
  const me = useMe();
  const [made, setMade] = useState<Created | null>(null);
  const [error, setError] = useState("");
  const [templates, setTemplates] = useState<TemplateItem[]>([]);
  const [title, setTitle] = useState("");
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<Hit[] | null>(null);
  // `/library?hub=<slug>`: the hub's library — its templates, boards made
  // from them filed in the hub, search over its boards (its coordinators).
  const hub = hubOf(location.search);
  useEffect(() => {
    listTemplates(getLang(), hub).then((l) => setTemplates([...l.saved, ...l.builtin]), () => setTemplates([]));
  }, [lang, me?.account?.username, hub]);
  const fail = (e: unknown) => setError(lt("failed", { msg: e instanceof Error ? e.message : String(e) }));
  const onImport = (e: Event) => {
    e.preventDefault();
    const file = (e.currentTarget as HTMLFormElement).querySelector<HTMLInputElement>("input[type=file]")?.files?.[0];
    if (!file) return;
    setError("");
    importBoard(file).then(setMade, fail);
  };
  return (
    <main class="narrow library">
      <header class="topbar"><h1>{lt("library")}{hub ? ` · ${hub}` : ""}</h1><AccountBar /><LangSwitch /></header>
      {error ? <p class="banner" role="alert" data-testid="library-error">{error}</p> : null}
      {made ? <Made made={made} /> : null}
      <section class="panel">
        <h2>{lt("importTitle")}</h2>
        <p>{lt("importHint")}</p>
        <form onSubmit={onImport}>
          <input type="file" accept="application/json,.json" data-testid="import-file" aria-label={lt("importTitle")} />
          <button type="submit" class="btn" data-testid="import">{lt("importButton")}</button>
        </form>
      </section>
      <section class="panel">
        <h2>{lt("templatesTitle")}</h2>
        <label>{lt("newTitle")} <input value={title} maxLength={120} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="template-title" /></label>
        <ul>
          {templates.map((tpl) => (
            <li key={tpl.id}>
              <strong>{tpl.name}</strong> {tpl.description ? <span>{tpl.description}</span> : null}{" "}
              <button type="button" class="btn ghost" data-testid={`template-${tpl.id}`} onClick={() => { setError(""); boardFromTemplate(tpl.id, title.trim() || tpl.name, hub).then(setMade, fail); }}>{lt("useTemplate")}</button>
            </li>
          ))}
        </ul>
      </section>
      <section class="panel">
        <h2>{lt(hub ? "searchHub" : "searchTitle")}</h2>
        {me?.account ? (
          <form onSubmit={(e) => { e.preventDefault(); if (query.trim()) searchBoards(query.trim(), hub).then(setHits, fail); }}>
            <input type="search" value={query} maxLength={200} onInput={(e) => setQuery(e.currentTarget.value)} aria-label={lt(hub ? "searchHub" : "searchTitle")} data-testid="search-input" />
            <button type="submit" class="btn">{lt("searchButton")}</button>
          </form>
        ) : <p>{lt("loginForMore")}</p>}
        {hits !== null ? (
          hits.length ? <ul data-testid="search-hits">{hits.map((h) => <li key={`${h.board}/${h.where}/${h.card}`}><OpenBoard board={h.board} title={h.board_title} onError={fail} />{h.where === "board" ? null : `: ${h.title}`}</li>)}</ul> : <p>{lt("noHits")}</p>
        ) : null}
      </section>
      {me?.account ? <BoardShelf onError={fail} /> : null}
    </main>
  );
}
