/** A board's links as the landing page and "My boards" show them: each
 * with its own icon, colour and purpose (on a phone four URLs look alike),
 * copy and open buttons, and the QR code with a caption saying what it is. */
import { useId, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { t } from "../../i18n";
import type { Links } from "../account/api";
import { LinkIcon, LockIcon, PeopleIcon } from "../icons";
import { QrCode } from "../qr";

/** The hub screen link: the viewer link plus `join=<participant link>`. */
export const screenLink = (links: Links): string =>
  /[#&]join=/.test(links.viewer)
    ? links.viewer
    : `${links.viewer}${links.viewer.includes("#") ? "&" : "#"}join=${encodeURIComponent(links.participant)}`;

function ScreenIcon() {
  return (
    <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M3 4h18v12H3zM8 20h8M12 16v4" />
    </svg>
  );
}

export type LinkKind = "facilitator" | "participant" | "screen" | "join";
const ICONS: Record<LinkKind, () => ComponentChildren> = {
  facilitator: LockIcon, participant: PeopleIcon, screen: ScreenIcon, join: LinkIcon,
};

export function LinkRow({ label, url, testid, hint, kind }: { label: string; url: string; testid: string; hint?: string; kind?: LinkKind }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const Icon = kind ? ICONS[kind] : null;
  return (
    <div class={`link-row${kind ? ` link-${kind}` : ""}`}>
      <label class="label" for={`${id}-url`} id={`${id}-label`}>{Icon ? <Icon /> : null} {label}</label>
      {hint ? <div class="link-hint" id={`${id}-hint`}>{hint}</div> : null}
      <div class="link-line">
        <input id={`${id}-url`} readOnly value={url} data-testid={testid} aria-describedby={hint ? `${id}-hint` : undefined}
          onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="btn small" aria-describedby={`${id}-label`}
          onClick={() => { void navigator.clipboard?.writeText(url).then(() => setCopied(true)); }}>{copied ? t("copied") : t("copy")}</button>
        <a class="btn small" href={url} target="_blank" rel="noopener" aria-describedby={`${id}-label`}>{t("open")}</a>
      </div>
    </div>
  );
}

/** All four links and the QR code of the join link. */
export function BoardLinks({ links }: { links: Links }) {
  const join = links.join ?? links.participant;
  return (
    <div class="board-links">
      <LinkRow kind="facilitator" label={t("linkFacilitator")} hint={t("linkFacilitatorHint")} url={links.facilitator} testid="link-facilitator" />
      <LinkRow kind="participant" label={t("linkParticipant")} hint={t("linkParticipantHint")} url={links.participant} testid="link-participant" />
      <LinkRow kind="screen" label={t("linkScreen")} hint={t("linkScreenHint")} url={screenLink(links)} testid="link-screen" />
      {links.join ? <LinkRow kind="join" label={t("linkJoin")} hint={t("linkJoinHint")} url={links.join} testid="link-join" /> : null}
      <figure class="qr-figure">
        <QrCode text={join} label={t("scanToJoin")} class="qr small" />
        <figcaption data-testid="qr-caption">{t("qrCaption")} <span class="qr-url">{join}</span></figcaption>
      </figure>
    </div>
  );
}
