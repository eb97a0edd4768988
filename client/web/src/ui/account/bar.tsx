/** The account corner of a page's top bar: "Log in", or the account's name
 * with "My boards" and "Log out". */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { ht } from "../hubs/i18n";
import { logout, seesAllBoards, useMe } from "./api";

export function AccountBar({ here }: { here?: "my" | "login" }) {
  const me = useMe();
  const [busy, setBusy] = useState(false);
  if (!me) return null;
  if (!me.account) {
    return here === "login" ? null : <a class="btn small" href="/login" data-testid="login-link">{t("logIn")}</a>;
  }
  const out = async () => {
    setBusy(true);
    try {
      await logout();
      location.assign("/login");
    } finally {
      setBusy(false);
    }
  };
  return (
    <nav class="account-bar" aria-label={t("loggedInAs", { name: me.account.name })}>
      <span class="who" data-testid="account-name" title={t("loggedInAs", { name: me.account.name })}>{me.account.name}</span>
      {here === "my" ? null : <a class="btn small" href="/my" data-testid="my-boards-link">{t("myBoards")}</a>}
      {seesAllBoards(me.account) || me.manages_hubs ? <a class="btn small" href="/my/hubs" data-testid="hubs-link">{ht("hubs")}</a> : null}
      <button type="button" class="btn small ghost" onClick={() => void out()} disabled={busy} data-testid="logout">{t("logOut")}</button>
    </nav>
  );
}
