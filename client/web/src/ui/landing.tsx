/** Landing page: create a board, get its three links (and the screen link
 * that carries the participant link for the hub screen's QR code). */
import { useState } from "preact/hooks";
import { t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import { LAYOUTS, cpLen, pyStrip } from "../protocol/ops";
import { LangSwitch, LimitedField } from "./common";
import { PinIcon } from "./icons";
import { QrCode } from "./qr";
import { ApiError, createBoard, useMe } from "./account/api";
import { AccountBar } from "./account/bar";
import { apiErrorText } from "./account/errors";
import "./account/account.css";

interface Links { facilitator: string; participant: string; viewer: string; join?: string }

/** The hub screen link: the viewer link plus `join=<participant link>`. */
export const screenLink = (links: Links): string =>
  /[#&]join=/.test(links.viewer)
    ? links.viewer
    : `${links.viewer}${links.viewer.includes("#") ? "&" : "#"}join=${encodeURIComponent(links.participant)}`;

export function Landing() {
  const [title, setTitle] = useState("");
  const [layout, setLayout] = useState<string>("wall");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [links, setLinks] = useState<Links | null>(null);
  const me = useMe();
  const ok = pyStrip(title).length > 0 && cpLen(pyStrip(title)) <= L.MAX_BOARD_TITLE;

  const create = async (e: Event) => {
    e.preventDefault();
    if (!ok) return;
    setBusy(true);
    setError("");
    try {
      const data = await createBoard(pyStrip(title), layout);
      setLinks(data.links);
    } catch (err) {
      setError(err instanceof ApiError && err.status !== 422 ? apiErrorText(err) : t("createFailed", { status: err instanceof ApiError ? err.status : "?" }));
    } finally {
      setBusy(false);
    }
  };

  // Creating needs an account unless the server opened creation to all.
  const mayCreate = me !== null && (me.account !== null || me.open_board_creation);
  return (
    <main class="narrow landing">
      <header class="topbar plain"><span class="brand"><PinIcon /> {t("appName")}</span><div class="bar-end"><AccountBar /><LangSwitch /></div></header>
      <p class="tagline">{t("tagline")}</p>
      {me !== null && !mayCreate ? (
        <section class="panel login-needed" data-testid="login-needed">
          <p>{t("loginToCreate")}{me.setup_needed ? ` ${t("firstRunHint")}` : ""}</p>
          <a class="btn primary" href="/login?next=/">{t("logIn")}</a>
        </section>
      ) : null}
      {mayCreate ? <form class="panel" onSubmit={create}>
        <h1>{t("createTitle")}</h1>
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
      {links ? (
        <section class="panel links" aria-labelledby="links-title">
          <h2 id="links-title">{t("linksTitle")}</h2>
          <LinkRow label={t("linkFacilitator")} url={links.facilitator} testid="link-facilitator" />
          <LinkRow label={t("linkParticipant")} url={links.participant} testid="link-participant" />
          <LinkRow label={t("linkScreen")} url={screenLink(links)} testid="link-screen" />
          {links.join ? <LinkRow label={t("linkJoin")} url={links.join} testid="link-join" /> : null}
          <QrCode text={links.join ?? links.participant} label={t("scanToJoin")} class="qr small" />
          {me?.account ? <p class="saved-note" data-testid="saved-note"><a href="/my">{t("savedInMyBoards")}</a></p> : null}
        </section>
      ) : null}
    </main>
  );
}

export function LinkRow({ label, url, testid }: { label: string; url: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="link-row">
      <div class="label">{label}</div>
      <div class="link-line">
        <input readOnly value={url} aria-label={label} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="btn small" onClick={() => { void navigator.clipboard?.writeText(url).then(() => setCopied(true)); }}>{copied ? t("copied") : t("copy")}</button>
        <a class="btn small" href={url} target="_blank" rel="noopener">{t("open")}</a>
      </div>
    </div>
  );
}
