/** The facilitator's links: show (only on request), copy, replace, expire,
 * and the board's access code. Part of the settings dialog.
 *
 * Links are capabilities: they stay masked until "Show" is pressed, so an
 * open settings dialog on a projected screen gives nothing away. Replacing
 * a link makes every node close the sockets of the old one (4102); when the
 * facilitator replaces their own link, this tab switches to the new token
 * first, so it stays connected. */
import { useEffect, useState } from "preact/hooks";
import { getLang, t, type MsgKey } from "../../i18n";
import * as L from "../../protocol/limits";
import type { Role } from "../../protocol/model";
import type { Session } from "../../sync/session";
import {
  LINK_ROLES, LinksError, newAccessCode, readLinks, replaceLinks, setAccessCode, setExpiry, tokenOf,
  type LinksState, type Replaceable,
} from "./api";
import { updateLink } from "./token";
import { updateDeviceLinks } from "./device";
import { safeStorage } from "../hooks";
import "./links.css";

/** Expiry choices in seconds (null: never). */
const EXPIRY_CHOICES: { value: string; seconds: number | null; label: MsgKey }[] = [
  { value: "never", seconds: null, label: "expiryNever" },
  { value: "1h", seconds: 3600, label: "expiry1h" },
  { value: "8h", seconds: 8 * 3600, label: "expiry8h" },
  { value: "24h", seconds: 24 * 3600, label: "expiry24h" },
  { value: "7d", seconds: 7 * 24 * 3600, label: "expiry7d" },
];

const ROWS: { role: Replaceable; label: MsgKey; link: keyof LinksState["links"] }[] = [
  { role: "facilitator", label: "linkFacilitator", link: "facilitator" },
  { role: "participant", label: "linkParticipant", link: "participant" },
  { role: "viewer", label: "linkScreen", link: "viewer" },
  { role: "join", label: "linkJoin", link: "join" },
];

const MASK = "•".repeat(24);

const when = (ms: number): string =>
  new Date(ms).toLocaleString(getLang() === "nl" ? "nl-NL" : "en-GB", { dateStyle: "medium", timeStyle: "short" });

/** Copy text; falls back to a hidden textarea where the Clipboard API is
 * missing or refused (plain http, no permission). */
const copyText = async (text: string): Promise<boolean> => {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-buffer";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
};

export function LinksPanel({ session }: { session: Session }) {
  const [data, setData] = useState<LinksState | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const board = session.board;

  const explain = (err: unknown): string => {
    if (err instanceof LinksError) return err.status === 0 ? t("linksOffline") : t("linksFailed", { msg: err.message });
    return t("linksFailed", { msg: String(err) });
  };
  const run = async (action: () => Promise<LinksState>): Promise<LinksState | null> => {
    setBusy(true);
    setError("");
    try {
      const next = await action();
      setData(next);
      return next;
    } catch (err) {
      setError(explain(err));
      return null;
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => { void run(() => readLinks(board, session.linkToken)); }, [board]);

  const replace = async (role: Replaceable) => {
    if (!window.confirm(t(`replaceConfirm_${role}` as MsgKey))) return;
    const next = await run(() => replaceLinks(board, session.linkToken, role === "participant" ? ["participant", "join"] : [role]));
    if (next) updateDeviceLinks(safeStorage, board, next.links); // the landing page's list stays current
    if (next && role === "facilitator") {
      const token = tokenOf(next.links.facilitator);
      updateLink("b", board, { token });
      session.setToken(token);
    }
  };

  return (
    <section class="links-panel" aria-labelledby="links-panel-title" data-testid="links-panel">
      <h3 id="links-panel-title">{t("linksAndAccess")}</h3>
      <p class="hint">{t("linksHidden")}</p>
      {error ? <p class="error" role="alert" data-testid="links-error">{error}</p> : null}
      {data === null ? <p class="hint">{error ? "" : t("loading")}</p> : (
        <>
          {ROWS.map((row) => (
            <LinkRow key={row.role} row={row} data={data} busy={busy} onReplace={() => void replace(row.role)}
              onExpiry={(seconds) => void run(() => setExpiry(board, session.linkToken, row.role as Role, seconds))} />
          ))}
          <AccessCode data={data} busy={busy} onSet={(code) => void run(() => setAccessCode(board, session.linkToken, code))} />
        </>
      )}
    </section>
  );
}

function LinkRow({ row, data, busy, onReplace, onExpiry }: {
  row: (typeof ROWS)[number]; data: LinksState; busy: boolean; onReplace: () => void; onExpiry: (seconds: number | null) => void;
}) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState(false);
  const url = data.links[row.link];
  const role = row.role;
  const expires = role === "join" ? null : data.expires[role];
  const id = `link-${role}`;
  return (
    <div class="link-row" data-testid={`link-row-${role}`}>
      <label class="label" for={id}>{t(row.label)}</label>
      <div class="link-line">
        <input id={id} readOnly value={shown ? url : MASK} data-testid={`link-value-${role}`} data-shown={shown}
          onFocus={(e) => { if (shown) e.currentTarget.select(); }} />
        <button type="button" class="btn small" aria-pressed={shown} data-testid={`link-show-${role}`} onClick={() => setShown(!shown)}>
          {shown ? t("hide") : t("show")}
        </button>
        <button type="button" class="btn small" data-testid={`link-copy-${role}`}
          onClick={() => { void copyText(url).then((ok) => { setCopied(ok); if (ok) setTimeout(() => setCopied(false), 2000); }); }}>
          {copied ? t("copied") : t("copy")}
        </button>
        <button type="button" class="btn small" disabled={busy} data-testid={`link-replace-${role}`} onClick={onReplace}>{t("replaceLink")}</button>
      </div>
      {role !== "join" ? (
        <div class="link-expiry">
          <span class="hint" data-testid={`expiry-state-${role}`}>
            {expires === null ? t("expiresNever") : expires <= Date.now() ? t("expired", { when: when(expires) }) : t("expiresAt", { when: when(expires) })}
          </span>
          <label class="sr-only" for={`expiry-${role}`}>{t("expiryFor", { link: t(row.label) })}</label>
          <select id={`expiry-${role}`} value="" disabled={busy} data-testid={`expiry-${role}`}
            onChange={(e) => {
              const choice = EXPIRY_CHOICES.find((c) => c.value === e.currentTarget.value);
              e.currentTarget.value = "";
              if (choice) onExpiry(choice.seconds);
            }}>
            <option value="">{t("expiryChange")}</option>
            {EXPIRY_CHOICES.map((c) => <option key={c.value} value={c.value}>{t(c.label)}</option>)}
          </select>
        </div>
      ) : null}
    </div>
  );
}

function AccessCode({ data, busy, onSet }: { data: LinksState; busy: boolean; onSet: (code: string | null) => void }) {
  const [value, setValue] = useState("");
  const [shown, setShown] = useState(false);
  const valid = new RegExp(`^[A-Za-z0-9]{${L.MIN_ACCESS_CODE},${L.MAX_ACCESS_CODE}}$`).test(value.trim());
  const current = data.access_code;
  return (
    <div class="access-code" data-testid="access-code">
      <div class="label">{t("accessCode")}</div>
      <p class="hint">{t("accessCodeHint")}</p>
      <p data-testid="access-code-current" data-code={shown ? current ?? "" : undefined}>
        {current === null ? t("accessCodeNone") : (
          <>
            {t("accessCodeIs")} <strong class="code">{shown ? current : "••••••"}</strong>{" "}
            <button type="button" class="btn small" aria-pressed={shown} data-testid="access-code-show" onClick={() => setShown(!shown)}>{shown ? t("hide") : t("show")}</button>
          </>
        )}
      </p>
      <form class="link-line" onSubmit={(e) => { e.preventDefault(); if (valid) { onSet(value.trim()); setValue(""); setShown(true); } }}>
        <label class="sr-only" for="access-code-input">{t("accessCodeNew")}</label>
        <input id="access-code-input" value={value} maxLength={L.MAX_ACCESS_CODE} autoComplete="off" spellcheck={false}
          placeholder={t("accessCodeNew")} data-testid="access-code-input" onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="button" class="btn small" data-testid="access-code-generate" onClick={() => setValue(newAccessCode())}>{t("generate")}</button>
        <button type="submit" class="btn small primary" disabled={!valid || busy} data-testid="access-code-set">{t("setCode")}</button>
        {current !== null ? <button type="button" class="btn small" disabled={busy} data-testid="access-code-clear" onClick={() => onSet(null)}>{t("clearCode")}</button> : null}
      </form>
      {value && !valid ? <p class="hint error">{t("accessCodeRule", { min: L.MIN_ACCESS_CODE, max: L.MAX_ACCESS_CODE })}</p> : null}
    </div>
  );
}
