/** `/login`: username and password; then on to `?next=` (My boards by default). */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { LangSwitch } from "../common";
import { PinIcon } from "../icons";
import { login, safeNext, useMe } from "./api";
import { apiErrorText } from "./errors";
import "./account.css";

export function LoginPage() {
  const me = useMe();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const next = safeNext(new URLSearchParams(location.search).get("next"));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!username.trim() || !password) return;
    setBusy(true);
    setError("");
    try {
      await login(username.trim(), password);
      location.assign(next);
    } catch (err) {
      setError(apiErrorText(err));
      setBusy(false);
    }
  };

  return (
    <main class="narrow account-page">
      <header class="topbar plain"><a class="brand" href="/"><PinIcon /> {t("appName")}</a><LangSwitch /></header>
      <form class="panel" onSubmit={submit} data-testid="login-form">
        <h1>{t("loginTitle")}</h1>
        <p class="muted">{t("loginIntro")}</p>
        <div class="field">
          <label for="login-username">{t("username")}</label>
          <input id="login-username" type="text" autoComplete="username" autoCapitalize="none" spellcheck={false} required autoFocus
            value={username} onInput={(e) => setUsername(e.currentTarget.value)} maxLength={64} data-testid="login-username" />
        </div>
        <div class="field">
          <label for="login-password">{t("password")}</label>
          <input id="login-password" type="password" autoComplete="current-password" required
            value={password} onInput={(e) => setPassword(e.currentTarget.value)} maxLength={256} data-testid="login-password" />
        </div>
        {error ? <p class="error" role="alert" data-testid="login-error">{error}</p> : null}
        <button type="submit" class="btn primary" disabled={busy || !username.trim() || !password} data-testid="login-submit">
          {busy ? t("loggingIn") : t("logIn")}
        </button>
        {me?.setup_needed ? <p class="muted hint-line">{t("firstRunHint")}</p> : null}
      </form>
    </main>
  );
}
