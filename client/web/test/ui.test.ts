import { afterEach, describe, expect, it } from "vitest";
import { ERROR_CODES, errorText, setLang, t } from "../src/i18n";
import { en } from "../src/i18n/en";
import { nl } from "../src/i18n/nl";
import { ErrorCode } from "../src/protocol/errors";
import * as L from "../src/protocol/limits";
import { emptyState, newCard, newSection } from "../src/protocol/model";
import { defaultSection, saveBlocker } from "../src/ui/editor";
import { fitFont } from "../src/ui/fit";

// setLang touches <html lang>; the tests run without a DOM.
(globalThis as { document?: unknown }).document ??= { documentElement: {} };

describe("hub screen auto-fit", () => {
  const fitsBelow = (limit: number) => {
    const tried: number[] = [];
    return { tried, fits: (size: number) => { tried.push(size); return size <= limit; } };
  };
  it("finds the largest size that fits from any starting size", () => {
    for (const limit of [11, 12, 14, 20, 29, 30]) {
      for (const current of [11, 14, 22, 30]) {
        expect(fitFont(fitsBelow(limit).fits, 11, 30, current)).toBe(limit);
      }
    }
  });
  it("shrinks when cards are added and grows back when they go", () => {
    // The reported defect: 40 cards at 30px overflowed and the size stayed 30.
    expect(fitFont(fitsBelow(14).fits, 11, 30, 30)).toBe(14);
    expect(fitFont(fitsBelow(26).fits, 11, 30, 14)).toBe(26);
  });
  it("clamps to the range and never returns a size that was not measured last", () => {
    expect(fitFont(() => false, 11, 30, 30)).toBe(11);
    expect(fitFont(() => true, 11, 30, 11)).toBe(30);
    expect(fitFont(() => true, 11, 30, 99)).toBe(30);
  });
  it("costs two measurements when nothing changed", () => {
    const f = fitsBelow(17);
    expect(fitFont(f.fits, 11, 30, 17)).toBe(17);
    expect(f.tried).toEqual([17, 18]);
    const g = fitsBelow(17);
    fitFont(g.fits, 11, 30, 30);
    expect(g.tried.length).toBeLessThanOrEqual(7);
  });
});

describe("server errors in the user's language", () => {
  afterEach(() => setLang("en"));
  const reject = Object.values(ErrorCode).filter((c) => c !== ErrorCode.RESYNC);
  it("has a message for every error code of SPEC §9 a user can meet", () => {
    expect([...ERROR_CODES].sort()).toEqual([...reject].sort());
  });
  it("translates known codes, in English and in Dutch", () => {
    for (const code of reject) {
      setLang("en");
      const english = errorText(code, "server text");
      setLang("nl");
      const dutch = errorText(code, "server text");
      expect(english).not.toBe("server text");
      expect(dutch).not.toBe("server text");
      expect(dutch).not.toBe(english);
    }
    setLang("nl");
    expect(t("opRejected", { msg: errorText(310, "this link is read-only") })).not.toContain("read-only");
  });
  it("falls back to the server's text for an unknown code", () => {
    setLang("nl");
    expect(errorText(399, "something new")).toBe("something new");
  });
  it("keeps the catalogues in step", () => {
    expect(Object.keys(nl).sort()).toEqual(Object.keys(en).sort());
  });
});

describe("card editor", () => {
  const board = () => {
    const s = emptyState("b");
    s.sections.set("s1", newSection("s1", { title: "Questions", pos: "a0" }));
    s.sections.set("s2", newSection("s2", { title: "Offers", pos: "a1" }));
    s.sections.set("s0", newSection("s0", { title: "Gone", pos: "Zz", deleted: true }));
    return s;
  };
  it("puts a new card in the column it was added in, else the first column", () => {
    const s = board();
    expect(defaultSection(s, { card: null })).toBe("s1");
    expect(defaultSection(s, { card: null, section: "s2" })).toBe("s2");
    expect(defaultSection(s, { card: null, section: "" })).toBe("");
    expect(defaultSection(s, { card: null, section: "s0" })).toBe("s1"); // deleted meanwhile
    expect(defaultSection(emptyState("b"), { card: null })).toBe("");
    expect(defaultSection(s, { card: newCard("c", { section: "" }) })).toBe("");
  });
  it("says why Save is blocked when a field is over its limit", () => {
    const ok = saveBlocker([{ label: "Text", value: "x".repeat(L.MAX_CARD_BODY), max: L.MAX_CARD_BODY }]);
    expect(ok).toBe("");
    const over = saveBlocker([
      { label: "Title", value: "fine", max: L.MAX_CARD_TITLE },
      { label: "Text", value: "x".repeat(L.MAX_CARD_BODY + 1), max: L.MAX_CARD_BODY },
    ]);
    expect(over).toContain("Text");
    expect(over).toContain("4001");
    expect(over).toContain("4000");
  });
});
