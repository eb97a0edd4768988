/** Landing page: create a board (one per click), get its links (and the
 * screen link that carries the participant link for the hub screen's QR
 * code), and, without an account, the boards made on this device. */
import { useRef, useState } from "preact/hooks";
import { t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import { LAYOUTS, cpLen, pyStrip } from "../protocol/ops";
import { LangSwitch, LimitedField } from "./common";
import { safeStorage } from "./hooks";
import { PinIcon } from "./icons";
import { ApiError, createBoard, useMe, type Links } from "./account/api";
import { AccountBar } from "./account/bar";
import { apiErrorText } from "./account/errors";
import { deviceBoards, forgetBoard, rememberBoard } from "./links/device";
import { DeviceBoards } from "./links/deviceboards";
import { BoardLinks } from "./links/rows";
import "./account/account.css";
import "./links/landing.css";

export { LinkRow, screenLink } from "./links/rows";

export function Landing() {
  const [title, setTitle] = useState("");
  const [layout, setLayout] = useState<string>("wall");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [created, setCreated] = useState<{ title: string; links: Links } | null>(null);
  const [device, setDevice] = useState(() => deviceBoards(safeStorage));
  // One board per click: state updates land a frame late, a ref does not.
  const creating = useRef(false);
  const me = useMe();
  const ok = pyStrip(title).length > 0 && cpLen(pyStrip(title)) <= L.MAX_BOARD_TITLE;

  const create = async (e: Event) => {
    e.preventDefault();
    if (!ok || creating.current) return;
    creating.current = true;
    setBusy(true);
    setError("");
    try {
      const data = await createBoard(pyStrip(title), layout);
      setCreated({ title: data.title, links: data.links });
      // With an account, "My boards" keeps it on the server.
      if (!me?.account) setDevice(rememberBoard(safeStorage, { board: data.board, title: data.title, at: Date.now(), links: data.links }));
      setTitle(""); // a second click needs a new title: it never replaces these links by accident
    } catch (err) {
      setError(err instanceof ApiError && err.status !== 422 ? apiErrorText(err) : t("createFailed", { status: err instanceof ApiError ? err.status : "?" }));
    } finally {
      creating.current = false;
      setBusy(false);
    }
  };

  // Creating needs an account unless the server opened creation to all.
  const mayCreate = me !== null && (me.account !== null || me.open_board_creation);
  return (
    <main class="narrow landing">
      <header class="topbar plain"><h1 class="brand"><PinIcon /> {t("appName")}</h1><div class="bar-end"><AccountBar /><LangSwitch /></div></header>
      <p class="tagline">{t("tagline")}</p>
      {me !== null && !mayCreate ? (
        <section class="panel login-needed" data-testid="login-needed">
          <p>{t("loginToCreate")}{me.setup_needed ? ` ${t("firstRunHint")}` : ""}</p>
          <a class="btn primary" href="/login?next=/">{t("logIn")}</a>
        </section>
      ) : null}
      {mayCreate ? <form class="panel" onSubmit={create}>
        <h2>{t("createTitle")}</h2>
        <LimitedField id="new-title" label={t("boardTitle")} value={title} max={L.MAX_BOARD_TITLE} onInput={setTitle} autoFocus testid="new-title" />
        <fieldset class="kinds">
          <legend>{t("layout")}</legend>
          {LAYOUTS.map((l) => (
            <label key={l} class={`chip${layout === l ? " on" : ""}`}>
              <input type="radio" name="layout" value={l} checked={layout === l} onChange={() => setLayout(l)} /> {t(`layout_${l}` as MsgKey)}
            </label>
          ))}
        </fieldset>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <button type="submit" class="btn primary" disabled={!ok || busy} data-testid="create">{busy ? t("creating") : t("create")}</button>
      </form> : null}
      {created ? (
        <section class="panel links" aria-labelledby="links-title" data-testid="created">
          <h2 id="links-title">{t("linksTitle")}</h2>
          <div class="created-head">
            <strong class="created-title">{created.title}</strong>
            <a class="btn primary" href={created.links.facilitator} data-testid="open-board">{t("openBoardNow")}</a>
          </div>
          <BoardLinks links={created.links} />
          {me?.account ? <p class="saved-note" data-testid="saved-note"><a href="/my">{t("savedInMyBoards")}</a></p> : null}
        </section>
      ) : null}
      {me !== null && !me.account ? <DeviceBoards boards={device} onForget={(b) => setDevice(forgetBoard(safeStorage, b))} /> : null}
    </main>
  );
}
