/** An account request's refusal in the user's language. */
import { t } from "../../i18n";
import { ApiError } from "./api";

export const apiErrorText = (err: unknown): string => {
  if (!(err instanceof ApiError)) return t("requestFailed", { status: "—" });
  switch (err.code) {
    case "bad_credentials": return t("badCredentials");
    case "disabled": return t("accountDisabled");
    case "rate_limited": return t("tooManyTries", { s: Math.max(1, err.retryAfter) });
    case "invalid_token": return t("setupBadToken");
    case "already_set_up": return t("setupDone");
    case "login_required": return t("loginToCreate");
    case "invalid": return t("serverSays", { msg: err.message });
    default: return t("requestFailed", { status: err.status });
  }
};
