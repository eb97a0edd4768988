/** A hub's boards: mark one public (listed on the hub's public page), save
 * one as a template of the hub (a finished activity's board becomes the
 * start of the next one), take one out of the hub, or put one of the boards
 * the account sees into it. */
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { myBoards, type BoardItem } from "../account/api";
import { HubApiError, hubBoards, putHubBoard, removeHubBoard, saveHubTemplate, type HubBoard } from "./api";
import { Field, val } from "./fields";
import { ht } from "./i18n";
import { OpenBoard } from "../library/boards";

export function HubBoardsPanel({ slug }: { slug: string }) {
  const [boards, setBoards] = useState<HubBoard[] | null>(null);
  const [all, setAll] = useState<BoardItem[]>([]);
  const [pick, setPick] = useState("");
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const [naming, setNaming] = useState<string | null>(null); // the board being saved as a template
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    hubBoards(slug).then((b) => { if (live) setBoards(b); }, (err) => { if (live) setError(text(err)); });
    myBoards(false, true).then((b) => { if (live) setAll(b); }, () => undefined);
    return () => { live = false; };
  }, [slug, version]);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError("");
    setNote("");
    try {
      await work();
      setVersion((v) => v + 1);
    } catch (err) {
      setError(text(err));
    } finally {
      setBusy(false);
    }
  };
  const inHub = new Set((boards ?? []).map((b) => b.board));
  const addable = all.filter((b) => !inHub.has(b.board));
  return (
    <section class="panel" aria-labelledby="hub-boards-title" data-testid="hub-boards">
      <h2 id="hub-boards-title">{ht("hubBoards")}</h2>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {note ? <p role="status" data-testid="hub-template-saved">{note}</p> : null}
      {boards === null && !error ? <p>{t("loading")}</p> : null}
      {boards && boards.length === 0 ? <p class="muted" data-testid="no-hub-boards">{ht("noHubBoards")}</p> : null}
      {boards && boards.length > 0 ? (
        <ul class="hub-boards">
          {boards.map((b) => (
            <li key={b.board} data-testid="hub-board" data-board={b.board}>
              <span><strong data-testid="hub-board-title"><OpenBoard board={b.board} title={b.title || t("untitled")} onError={(err) => setError(text(err))} /></strong>{b.archived ? <span class="muted small"> · {ht("archived")}</span> : null}</span>
              <span class="row-buttons">
                <label class="choice">
                  <input type="checkbox" checked={b.public} disabled={busy} aria-describedby="public-hint"
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      // Shown at once; the reload after the answer says what was stored.
                      setBoards((list) => list && list.map((x) => (x.board === b.board ? { ...x, public: on } : x)));
                      void run(() => putHubBoard(slug, b.board, on));
                    }} data-testid="hub-board-public" />
                  {ht("isPublic")}
                </label>
                <button type="button" class="btn small" disabled={busy} data-testid="hub-board-template"
                  aria-label={`${ht("saveAsTemplate")}: ${b.title || t("untitled")}`} aria-expanded={naming === b.board}
                  onClick={() => { setNaming(naming === b.board ? null : b.board); setName(b.title); }}>{ht("saveAsTemplate")}</button>
                <button type="button" class="btn small" disabled={busy} onClick={() => void run(() => removeHubBoard(slug, b.board))}
                  aria-label={`${ht("removeFromHub")}: ${b.title || t("untitled")}`}>{ht("removeFromHub")}</button>
              </span>
              {naming === b.board ? (
                <form class="add-board" data-testid="hub-template-form" onSubmit={(e) => {
                  e.preventDefault();
                  const wanted = name.trim();
                  if (wanted) void run(async () => { const got = await saveHubTemplate(slug, b.board, wanted); setNaming(null); setNote(ht("templateSaved", { name: got.label })); });
                }}>
                  <Field id="hub-template-name" label={ht("templateNamePrompt")}>
                    <input id="hub-template-name" value={name} maxLength={120} required onInput={(e) => setName(val(e))} data-testid="hub-template-name" />
                  </Field>
                  <button type="submit" class="btn small primary" disabled={busy || !name.trim()} data-testid="hub-template-save">{ht("saveAsTemplate")}</button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <p class="muted small" id="public-hint">{ht("publicHint")}</p>
      {addable.length > 0 ? (
        <form class="add-board" onSubmit={(e) => { e.preventDefault(); if (pick) void run(async () => { await putHubBoard(slug, pick, false); setPick(""); }); }}>
          <Field id="hub-add-board" label={ht("addBoard")}>
            <select id="hub-add-board" value={pick} onChange={(e) => setPick(val(e))} data-testid="hub-add-board">
              <option value="">{ht("addBoardNone")}</option>
              {addable.map((b) => <option key={b.board} value={b.board}>{b.title || t("untitled")}</option>)}
            </select>
          </Field>
          <button type="submit" class="btn small primary" disabled={busy || !pick} data-testid="hub-add-board-button">{ht("addItem")}</button>
        </form>
      ) : null}
    </section>
  );
}

const text = (err: unknown): string =>
  err instanceof HubApiError && err.status > 0 ? t("serverSays", { msg: err.message }) : t("requestFailed", { status: "—" });
