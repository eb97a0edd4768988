import { describe, expect, it } from "vitest";
import {
  addDays, dayKey, formatDay, formatSpan, formatTime, fromInput, groupByDay, isRunning, nextChange, nextUp,
  offsetAt, startOfDay, startOfWeek, toInput, wallOf, weekDays,
} from "../src/ui/hubs/time";

const H = 3_600_000;
const utc = (s: string): number => Date.parse(s);

describe("hub time in Europe/Amsterdam", () => {
  it("reads and writes wall time in winter (+1) and summer (+2), whatever the browser's zone", () => {
    expect(offsetAt(utc("2026-01-15T12:00:00Z"))).toBe(H);
    expect(offsetAt(utc("2026-07-15T12:00:00Z"))).toBe(2 * H);
    expect(fromInput("2026-01-15T14:30")).toBe(utc("2026-01-15T13:30:00Z"));
    expect(fromInput("2026-07-15T14:30")).toBe(utc("2026-07-15T12:30:00Z"));
    expect(toInput(utc("2026-07-15T12:30:00Z"))).toBe("2026-07-15T14:30");
    expect(formatTime(utc("2026-01-15T13:30:00Z"))).toBe("14:30");
    // Round trip over every hour of a year, both switches included
    // (but the second 02:xx of the autumn night, whose wall time is the first's).
    const doubled = utc("2026-10-25T01:00:00Z");
    for (let ms = utc("2026-01-01T00:00:00Z"); ms < utc("2027-01-01T00:00:00Z"); ms += H) {
      if (ms >= doubled && ms < doubled + H) expect(fromInput(toInput(ms))).toBe(ms - H);
      else expect(fromInput(toInput(ms))).toBe(ms);
    }
  });

  it("moves a time in the skipped hour forward, and takes the first of a doubled hour", () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
    expect(toInput(fromInput("2026-03-29T02:30")!)).toBe("2026-03-29T03:30");
    // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    expect(fromInput("2026-10-25T02:30")).toBe(utc("2026-10-25T00:30:00Z"));
  });

  it("refuses what is not a date and time", () => {
    for (const bad of ["", "tomorrow", "2026-02-30T10:00", "2026-13-01T10:00", "2026-01-01T24:00", "2026-01-01 10:00x"]) {
      expect(fromInput(bad)).toBeNull();
    }
  });

  it("has days of 23 and 25 hours, and weeks from Monday", () => {
    const spring = startOfDay(utc("2026-03-29T12:00:00Z"));
    expect(addDays(spring, 1) - spring).toBe(23 * H);
    const autumn = startOfDay(utc("2026-10-25T12:00:00Z"));
    expect(addDays(autumn, 1) - autumn).toBe(25 * H);
    // Late on Sunday in Amsterdam is still Sunday, though already Monday in UTC+14 or Sunday in UTC.
    const sundayLate = utc("2026-12-06T22:30:00Z"); // 23:30 in Amsterdam
    expect(dayKey(sundayLate)).toBe("2026-12-06");
    expect(dayKey(startOfWeek(sundayLate))).toBe("2026-11-30");
    expect(wallOf(startOfWeek(sundayLate))).toMatchObject({ h: 0, mi: 0 });
  });

  it("groups an agenda by the Amsterdam day things start on, in order", () => {
    const a = { id: "a", start: utc("2026-12-07T23:30:00Z"), end: utc("2026-12-08T00:30:00Z") }; // Tue 00:30
    const b = { id: "b", start: utc("2026-12-07T09:00:00Z"), end: utc("2026-12-07T11:00:00Z") }; // Mon 10:00
    const c = { id: "c", start: utc("2026-12-07T08:00:00Z"), end: utc("2026-12-07T09:00:00Z") }; // Mon 09:00
    const d = { id: "d", start: utc("2026-12-07T08:00:00Z"), end: utc("2026-12-07T08:30:00Z") };
    const groups = groupByDay([a, b, c, d]);
    expect(groups.map((g) => g.day)).toEqual(["2026-12-07", "2026-12-08"]);
    expect(groups[0]!.items.map((i) => i.id)).toEqual(["d", "c", "b"]);
    expect(groups[1]!.items.map((i) => i.id)).toEqual(["a"]);
    expect(groupByDay([])).toEqual([]);
    const week = weekDays(startOfWeek(b.start), [a, b, c, d]);
    expect(week.map((g) => g.day)).toEqual(["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"]);
    expect(week.map((g) => g.items.length)).toEqual([3, 1, 0, 0, 0, 0, 0]);
  });

  it("formats days and spans in Dutch and English", () => {
    const mon = utc("2026-12-07T09:00:00Z");
    expect(formatDay(mon, "nl")).toBe("maandag 7 december");
    expect(formatDay(mon, "en")).toBe("Monday 7 December");
    expect(formatSpan(mon, mon + 90 * 60_000, "en")).toBe("10:00–11:30");
    expect(formatSpan(mon, mon + 24 * H, "en")).toBe("10:00 – Tue 8 Dec 10:00");
  });

  it("knows what runs, what is next, and when the picture changes", () => {
    const now = utc("2026-12-07T10:00:00Z");
    const past = { start: now - 2 * H, end: now - H };
    const running = { start: now - H, end: now + H };
    const later = { start: now + 2 * H, end: now + 3 * H };
    expect(isRunning(running, now)).toBe(true);
    expect(isRunning(running, running.end)).toBe(false);
    expect(nextUp([past, later, running], now)).toBe(running);
    expect(nextUp([past, later], now)).toBe(later);
    expect(nextUp([past], now)).toBeNull();
    expect(nextChange([past, running, later], now)).toBe(now + H);
    expect(nextChange([past], now)).toBeNull();
  });
});
