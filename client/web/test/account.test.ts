import { afterEach, describe, expect, it } from "vitest";
import { setLang, t } from "../src/i18n";
import { en } from "../src/i18n/en";
import { nl } from "../src/i18n/nl";
import { ApiError, safeNext, seesAllBoards, setupTokenFrom, type Account } from "../src/ui/account/api";
import { apiErrorText } from "../src/ui/account/errors";

// setLang touches <html lang>; the tests run without a DOM.
(globalThis as { document?: unknown }).document ??= { documentElement: {} };

const account = (role: Account["role"]): Account => ({ username: "ann", name: "Ann", role, disabled: false });

describe("account helpers", () => {
  afterEach(() => setLang("en"));

  it("reads the setup token from the link's fragment, and nothing else", () => {
    const token = "h0Fr2CeAxtStf6TFG0GVh46bas3hlWFagDCk_A-ZuvY";
    expect(setupTokenFrom(`#${token}`)).toBe(token);
    expect(setupTokenFrom(`#t=${token}`)).toBe(token);
    expect(setupTokenFrom("")).toBe("");
    expect(setupTokenFrom("#short")).toBe("");
    expect(setupTokenFrom(`#${token}&x=<script>`)).toBe("");
  });

  it("goes on only to paths of this server after logging in", () => {
    expect(safeNext(null)).toBe("/my");
    expect(safeNext("/")).toBe("/");
    expect(safeNext("/my?archived=1")).toBe("/my?archived=1");
    expect(safeNext("https://evil.example/")).toBe("/my");
    expect(safeNext("//evil.example/")).toBe("/my");
    expect(safeNext("/\\evil.example")).toBe("/my");
    expect(safeNext("javascript:alert(1)")).toBe("/my");
  });

  it("lets coordinators and administrators see every board", () => {
    expect(seesAllBoards(account("admin"))).toBe(true);
    expect(seesAllBoards(account("coordinator"))).toBe(true);
    expect(seesAllBoards(account("facilitator"))).toBe(false);
    expect(seesAllBoards(null)).toBe(false);
  });

  it("says why a request was refused, in the user's language", () => {
    expect(apiErrorText(new ApiError(401, "bad_credentials", "wrong username or password"))).toBe(en.badCredentials);
    expect(apiErrorText(new ApiError(429, "rate_limited", "too many", 42))).toBe("Too many attempts. Try again in 42 seconds.");
    setLang("nl");
    expect(apiErrorText(new ApiError(403, "disabled", "this account is disabled"))).toBe(nl.accountDisabled);
    expect(apiErrorText(new ApiError(500, "http", "500"))).toBe(t("requestFailed", { status: 500 }));
    expect(apiErrorText(new TypeError("offline"))).toBe(t("requestFailed", { status: "—" }));
  });

  it("has every account string in both languages", () => {
    for (const key of ["logIn", "myBoards", "confirmDeleteBoard", "setupTitle", "acct_coordinator"] as const) {
      expect(en[key].length).toBeGreaterThan(0);
      expect(nl[key].length).toBeGreaterThan(0);
      expect(nl[key]).not.toBe(en[key]);
    }
  });
});
