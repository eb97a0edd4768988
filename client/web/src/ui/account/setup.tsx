/** `/setup#<token>`: the first administrator, from the link `prikbord serve`
 * printed. The token leaves the address bar as soon as it is read. */
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { LangSwitch } from "../common";
import { PinIcon } from "../icons";
import { setupAdmin, setupNeeded, setupTokenFrom } from "./api";
import { apiErrorText } from "./errors";
import "./account.css";

/** Keep in step with server/accounts/passwords.py. */
export const MIN_PASSWORD = 8;

export function SetupPage() {
  // Read once; then the token leaves the address bar and the history, so it
  // is not left on a shared screen.
  const [token] = useState(() => setupTokenFrom(location.hash));
  useEffect(() => { if (location.hash) history.replaceState(null, "", location.pathname + location.search); }, []);
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => { void setupNeeded().then(setNeeded, () => setNeeded(true)); }, []);

  const differ = again.length > 0 && again !== password;
  const ok = token && username.trim() && name.trim() && password.length >= MIN_PASSWORD && password === again;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ok) return;
    setBusy(true);
    setError("");
    try {
      await setupAdmin(token, username.trim(), name.trim(), password);
      location.assign("/my");
    } catch (err) {
      setError(apiErrorText(err));
      setBusy(false);
    }
  };

  let body;
  if (needed === null) body = <p>{t("loading")}</p>;
  else if (!needed) body = <p data-testid="setup-done">{t("setupDone")} <a href="/login">{t("logIn")}</a></p>;
  else if (!token) body = <p class="error" data-testid="setup-no-token">{t("setupNoToken")}</p>;
  else {
    body = (
      <form onSubmit={submit} data-testid="setup-form">
        <p class="muted">{t("setupIntro")}</p>
        <div class="field">
          <label for="setup-username">{t("username")}</label>
          <input id="setup-username" type="text" autoComplete="username" autoCapitalize="none" spellcheck={false} required autoFocus
            maxLength={64} value={username} onInput={(e) => setUsername(e.currentTarget.value)} aria-describedby="setup-username-hint" data-testid="setup-username" />
          <span id="setup-username-hint" class="hint">{t("usernameHint")}</span>
        </div>
        <div class="field">
          <label for="setup-name">{t("displayName")}</label>
          <input id="setup-name" type="text" autoComplete="name" required maxLength={40}
            value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="setup-name-hint" data-testid="setup-name" />
          <span id="setup-name-hint" class="hint">{t("displayNameHint")}</span>
        </div>
        <div class="field">
          <label for="setup-password">{t("password")}</label>
          <input id="setup-password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} maxLength={256}
            value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-describedby="setup-password-hint" data-testid="setup-password" />
          <span id="setup-password-hint" class="hint">{t("passwordHint", { n: MIN_PASSWORD })}</span>
        </div>
        <div class={`field${differ ? " over" : ""}`}>
          <label for="setup-again">{t("passwordAgain")}</label>
          <input id="setup-again" type="password" autoComplete="new-password" required maxLength={256}
            value={again} onInput={(e) => setAgain(e.currentTarget.value)} aria-invalid={differ ? "true" : undefined} data-testid="setup-again" />
          {differ ? <span class="hint" role="alert">{t("passwordsDiffer")}</span> : null}
        </div>
        {error ? <p class="error" role="alert" data-testid="setup-error">{error}</p> : null}
        <button type="submit" class="btn primary" disabled={!ok || busy} data-testid="setup-submit">{t("setupCreate")}</button>
      </form>
    );
  }

  return (
    <main class="narrow account-page">
      <header class="topbar plain"><a class="brand" href="/"><PinIcon /> {t("appName")}</a><LangSwitch /></header>
      <section class="panel">
        <h1>{t("setupTitle")}</h1>
        {body}
      </section>
    </main>
  );
}
