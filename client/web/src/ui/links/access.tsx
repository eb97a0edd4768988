/** The board page's prompt for an access code (after 4106 or 4107). The code
 * is kept in this tab (sessionStorage), so reloads and reconnects send it. */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { CloseCode } from "../../protocol/errors";
import * as L from "../../protocol/limits";
import type { Session } from "../../sync/session";
import { storeCode, storedCode } from "./token";
import "./links.css";

export const needsAccessCode = (code: number): boolean =>
  code === CloseCode.ACCESS_CODE || code === CloseCode.TOO_MANY_ATTEMPTS;

export function AccessCodePrompt({ session }: { session: Session }) {
  const [value, setValue] = useState("");
  const tried = storedCode(session.board) !== "";
  const throttled = session.closeReason === CloseCode.TOO_MANY_ATTEMPTS;
  const ok = value.trim().length >= L.MIN_ACCESS_CODE && value.trim().length <= L.MAX_ACCESS_CODE;
  return (
    <main class="narrow">
      <form class="panel code-prompt" data-testid="access-code-prompt"
        onSubmit={(e) => { e.preventDefault(); if (!ok) return; storeCode(session.board, value.trim()); session.setAccessCode(value.trim()); }}>
        <h1>{t("accessCodeTitle")}</h1>
        <p>{t("accessCodeAsk")}</p>
        {throttled ? <p class="error" role="alert" data-testid="access-code-throttled">{t("accessCodeThrottled")}</p>
          : tried ? <p class="error" role="alert" data-testid="access-code-wrong">{t("accessCodeWrong")}</p> : null}
        <div class="field">
          <label for="code-input">{t("accessCode")}</label>
          <input id="code-input" value={value} maxLength={L.MAX_ACCESS_CODE} autoFocus autoComplete="off" spellcheck={false}
            autocapitalize="characters" data-testid="code-input" onInput={(e) => setValue(e.currentTarget.value)} />
        </div>
        <button type="submit" class="btn primary" disabled={!ok} data-testid="code-submit">{t("join")}</button>
      </form>
    </main>
  );
}
