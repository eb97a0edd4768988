/** `/my`: the boards of the logged-in account (coordinators and
 * administrators: every board) — open, links again, rename, archive,
 * delete with confirmation. */
import { useEffect, useRef, useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import * as L from "../../protocol/limits";
import { cpLen, pyStrip } from "../../protocol/ops";
import { LangSwitch, LimitedField } from "../common";
import { PinIcon, PlusIcon } from "../icons";
import { LinkRow, screenLink } from "../landing";
import { boardDetail, changeBoard, deleteBoard, myBoards, seesAllBoards, useMe, type Account, type BoardDetail, type BoardItem } from "./api";
import { AccountBar } from "./bar";
import { apiErrorText } from "./errors";
import "./account.css";

const day = (ms: number): string =>
  new Date(ms).toLocaleDateString(getLang() === "nl" ? "nl-NL" : "en-GB", { day: "numeric", month: "short", year: "numeric" });

export function MyBoardsPage() {
  const me = useMe();
  useEffect(() => {
    if (me && !me.account) location.replace("/login?next=/my");
  }, [me]);
  if (!me?.account) return <main class="narrow account-page"><p>{t("loading")}</p></main>;
  return <MyBoards account={me.account} />;
}

function MyBoards({ account }: { account: Account }) {
  const [archived, setArchived] = useState(false);
  const [all, setAll] = useState(false);
  const [boards, setBoards] = useState<BoardItem[] | null>(null);
  const [error, setError] = useState("");
  const [deleting, setDeleting] = useState<BoardItem | null>(null);
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((v) => v + 1);

  useEffect(() => {
    let live = true;
    setError("");
    myBoards(archived, all).then((b) => { if (live) setBoards(b); }, (err) => { if (live) setError(apiErrorText(err)); });
    return () => { live = false; };
  }, [archived, all, version]);

  return (
    <main class="narrow account-page my-boards">
      <header class="topbar plain">
        <a class="brand" href="/"><PinIcon /> {t("appName")}</a>
        <div class="bar-end"><AccountBar here="my" /><LangSwitch /></div>
      </header>
      <section class="panel">
        <div class="list-head">
          <h1>{all ? t("allBoards") : t("myBoards")}</h1>
          <a class="btn primary" href="/" data-testid="new-board"><PlusIcon /> {t("newBoard")}</a>
        </div>
        <p class="muted">{t("loggedInAs", { name: account.name })} · {t(`acct_${account.role}`)}</p>
        <div class="list-tabs">
          <div class="segmented" role="group">
            <button type="button" class={archived ? "" : "on"} aria-pressed={!archived} onClick={() => setArchived(false)} data-testid="tab-active">{t("boardsActive")}</button>
            <button type="button" class={archived ? "on" : ""} aria-pressed={archived} onClick={() => setArchived(true)} data-testid="tab-archived">{t("boardsArchived")}</button>
          </div>
          {seesAllBoards(account) ? (
            <div class="segmented" role="group">
              <button type="button" class={all ? "" : "on"} aria-pressed={!all} onClick={() => setAll(false)} data-testid="scope-mine">{t("myBoards")}</button>
              <button type="button" class={all ? "on" : ""} aria-pressed={all} onClick={() => setAll(true)} data-testid="scope-all">{t("allBoards")}</button>
            </div>
          ) : null}
        </div>
        {error ? <p class="error" role="alert">{error}</p> : null}
        {boards === null && !error ? <p>{t("loading")}</p> : null}
        {boards && boards.length === 0 ? <p class="muted empty" data-testid="no-boards">{archived ? t("noArchived") : t("noBoards")}</p> : null}
        {boards && boards.length > 0 ? (
          <ul class="board-list" data-testid="board-list">
            {boards.map((b) => <BoardRow key={b.board} item={b} showOwner={all} onChanged={reload} onDelete={setDeleting} />)}
          </ul>
        ) : null}
      </section>
      {deleting ? <DeleteDialog item={deleting} onClose={(done) => { setDeleting(null); if (done) reload(); }} /> : null}
    </main>
  );
}

function BoardRow({ item, showOwner, onChanged, onDelete }: {
  item: BoardItem; showOwner: boolean; onChanged: () => void; onDelete: (b: BoardItem) => void;
}) {
  const [detail, setDetail] = useState<BoardDetail | null>(null);
  const [showLinks, setShowLinks] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(item.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const titleOk = pyStrip(title).length > 0 && cpLen(pyStrip(title)) <= L.MAX_BOARD_TITLE;

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError("");
    try {
      await work();
    } catch (err) {
      setError(apiErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  const details = async (): Promise<BoardDetail> => {
    const d = detail ?? await boardDetail(item.board);
    setDetail(d);
    return d;
  };
  const open = () => run(async () => { location.assign((await details()).links.facilitator); });
  const toggleLinks = () => run(async () => { if (!showLinks) await details(); setShowLinks(!showLinks); });
  const rename = (e: Event) => {
    e.preventDefault();
    if (!titleOk) return;
    void run(async () => { await changeBoard(item.board, { title: pyStrip(title) }); setRenaming(false); onChanged(); });
  };
  const archive = () => run(async () => { await changeBoard(item.board, { archived: !item.archived }); onChanged(); });

  return (
    <li class="board-item" data-testid="board-item" data-board={item.board}>
      <div class="board-main">
        <div class="board-name">
          <strong data-testid="board-item-title">{item.title || t("untitled")}</strong>
          <span class="muted small">
            {t("createdOn", { date: day(item.created) })}
            {showOwner ? ` · ${item.owner ? t("ownedBy", { name: item.owner }) : t("anonymousBoard")}` : ""}
          </span>
        </div>
        <div class="board-actions">
          <button type="button" class="btn small primary" onClick={() => void open()} disabled={busy} data-testid="board-open">{t("openBoard")}</button>
          <button type="button" class="btn small" onClick={() => void toggleLinks()} disabled={busy} aria-expanded={showLinks} data-testid="board-links">{showLinks ? t("hideLinks") : t("showLinks")}</button>
          <button type="button" class="btn small" onClick={() => { setTitle(item.title); setRenaming(!renaming); }} disabled={busy} aria-expanded={renaming} data-testid="board-rename">{t("rename")}</button>
          <button type="button" class="btn small" onClick={() => void archive()} disabled={busy} data-testid="board-archive">{item.archived ? t("unarchive") : t("archive")}</button>
          <button type="button" class="btn small danger" onClick={() => onDelete(item)} disabled={busy} data-testid="board-delete">{t("deleteBoard")}</button>
        </div>
      </div>
      {renaming ? (
        <form class="rename" onSubmit={rename}>
          <LimitedField id={`rename-${item.board}`} label={t("boardTitle")} value={title} max={L.MAX_BOARD_TITLE} onInput={setTitle} autoFocus testid="rename-input" />
          <div class="row-buttons">
            <button type="submit" class="btn small primary" disabled={!titleOk || busy} data-testid="rename-save">{t("save")}</button>
            <button type="button" class="btn small" onClick={() => setRenaming(false)}>{t("cancel")}</button>
          </div>
        </form>
      ) : null}
      {showLinks && detail ? (
        <div class="links" data-testid="board-links-panel">
          <LinkRow label={t("linkFacilitator")} url={detail.links.facilitator} testid="link-facilitator" />
          <LinkRow label={t("linkParticipant")} url={detail.links.participant} testid="link-participant" />
          <LinkRow label={t("linkScreen")} url={screenLink(detail.links)} testid="link-screen" />
          {detail.links.join ? <LinkRow label={t("linkJoin")} url={detail.links.join} testid="link-join" /> : null}
        </div>
      ) : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
    </li>
  );
}

function DeleteDialog({ item, onClose }: { item: BoardItem; onClose: (deleted: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => { dialog.current?.showModal(); }, []);
  const remove = async () => {
    setBusy(true);
    try {
      await deleteBoard(item.board);
      onClose(true);
    } catch (err) {
      setError(apiErrorText(err));
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="editor confirm" aria-labelledby="delete-title" onCancel={(e) => { e.preventDefault(); onClose(false); }} data-testid="delete-dialog">
      <h2 id="delete-title">{t("deleteBoard")}</h2>
      <p>{t("confirmDeleteBoard", { title: item.title || t("untitled") })}</p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="row-buttons">
        <button type="button" class="btn danger-fill" onClick={() => void remove()} disabled={busy} data-testid="delete-confirm">{t("deleteForGood")}</button>
        <button type="button" class="btn" onClick={() => onClose(false)} autoFocus data-testid="delete-cancel">{t("cancel")}</button>
      </div>
    </dialog>
  );
}
