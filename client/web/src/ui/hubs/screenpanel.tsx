/** The hub's one screen link: copy it, show it as a QR code (to open it on
 * the screen's own browser with a phone at hand), or replace it — the old
 * link stops working at once on every screen that uses it. */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { LinkRow } from "../links/rows";
import { QrCode } from "../qr";
import { HubApiError, replaceScreenLink, type ManagedHub } from "./api";
import { ht } from "./i18n";

export function ScreenLinkPanel({ hub, onReplaced }: { hub: ManagedHub; onReplaced: (link: string) => void }) {
  const [qr, setQr] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const replace = async () => {
    if (!confirm(ht("confirmReplaceScreen"))) return;
    setBusy(true);
    setError("");
    try {
      onReplaced(await replaceScreenLink(hub.slug));
    } catch (err) {
      setError(err instanceof HubApiError && err.status > 0 ? t("serverSays", { msg: err.message }) : t("requestFailed", { status: "—" }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel screen-link-box" aria-labelledby="screen-link-title" data-testid="screen-link-panel">
      <h2 id="screen-link-title">{ht("screenLink")}</h2>
      <LinkRow kind="screen" label={ht("screenLink")} hint={ht("screenLinkHint")} url={hub.screen_link} testid="hub-screen-link" />
      <div class="row-buttons">
        <button type="button" class="btn small" aria-expanded={qr} onClick={() => setQr(!qr)} data-testid="screen-qr-toggle">{qr ? ht("hideQr") : ht("showQr")}</button>
        <button type="button" class="btn small danger" disabled={busy} onClick={() => void replace()} data-testid="screen-replace">{ht("replaceScreenLink")}</button>
      </div>
      {qr ? <QrCode text={hub.screen_link} label={ht("screenQr")} class="qr" /> : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
    </section>
  );
}
