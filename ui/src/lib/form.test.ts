import { describe, expect, it, vi } from "vitest";
import type { Report } from "../bindings/Report";
import { figureText } from "./i18n.svelte";
import {
  addFigure,
  adoptClaimIds,
  disputedValue,
  splitPath,
  amountMode,
  debounce,
  messageAt,
  nextSourceKey,
  problemsAt,
  showDate,
  splitList,
  switchAmount,
  unplaced,
  unusedFigures,
} from "./form";

const problem = (field: string, code: string, message: string) => ({ field, code, params: {}, message });
const problems = [
  problem("title", "required", "is required"),
  problem("figures.abducted[1].source", "claim_source_unknown", "names no source of this report"),
  problem("where.admin1", "required_final", "is required for a final report"),
];

function report(): Report {
  return {
    schema_version: 1,
    id: "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a",
    title: "",
    status: "draft",
    when: { date: "2026-11-18", precision: "day", utc_offset_minutes: 0 },
    where: { admin1: "", geo_precision: "place" },
    what: {},
    narrative: "",
  };
}

describe("problems by field", () => {
  it("finds a problem at its field and inside it", () => {
    expect(messageAt(problems, "title")).toBe("is required");
    expect(problemsAt(problems, "figures.abducted")).toHaveLength(1);
    expect(problemsAt(problems, "figures")).toHaveLength(1);
    expect(problemsAt(problems, "where.admin2")).toHaveLength(0);
  });
  it("does not take a longer name for a child", () => {
    expect(problemsAt([problem("titles", "required", "x")], "title")).toHaveLength(0);
  });
  it("keeps the problems no field shows", () => {
    expect(unplaced(problems, ["title", "where"]).map((p) => p.field)).toEqual([
      "figures.abducted[1].source",
    ]);
  });
});

describe("sources and claims", () => {
  it("gives each new source a key not taken", () => {
    expect(nextSourceKey([])).toBe("s1");
    const s = { name: "x", kind: "witness" as const, reliability: "unknown" as const };
    expect(nextSourceKey([{ ...s, key: "s2" }])).toBe("s3");
    expect(nextSourceKey([{ ...s, key: "s1" }, { ...s, key: "wamaps" }])).toBe("s3");
  });
  it("switches an amount between number, range and word, keeping the number", () => {
    expect(amountMode(3)).toBe("exact");
    expect(switchAmount(3, "range")).toEqual({ min: 3, max: 3 });
    expect(switchAmount({ min: 3, max: 5 }, "exact")).toBe(3);
    expect(amountMode(switchAmount(3, "vague"))).toBe("vague");
  });
  it("keeps an amount nobody gave empty in every mode", () => {
    expect(amountMode(null)).toBe("exact");
    expect(switchAmount(null, "exact")).toBeNull();
    expect(switchAmount(null, "range")).toEqual({ min: null, max: null });
    expect(switchAmount({ min: 3, max: 5 }, "exact")).toBe(3);
  });
  it("adds a figure with one empty claim: no 0, no source chosen for it", () => {
    const r = { ...report(), sources: [{ key: "wamaps", name: "W", kind: "journalist" as const, reliability: "unknown" as const }] };
    const withFigure = addFigure(r, "abducted");
    expect(withFigure.figures?.abducted).toEqual([{ amount: null, source: "", said_on: null, note: null }]);
    expect(unusedFigures(withFigure, ["killed", "abducted"])).toEqual(["killed"]);
    expect(addFigure(withFigure, "abducted").figures?.abducted).toHaveLength(2);
  });
});

describe("autosave", () => {
  it("waits for a pause before saving", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d(1);
    d(2);
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith(2);
    vi.useRealTimers();
  });
  it("shows a figure given in words with its words, never a bare number", () => {
    // The app's default language here is French.
    expect(figureText({ min: 10, max: 10, disputed: false, vague: "tens" })).toBe("des dizaines (compté 10)");
    expect(figureText({ min: 10, max: 50, disputed: true, vague: "tens" })).toContain("des dizaines (compté 10)\u201350");
    expect(figureText({ min: 5, max: 5, disputed: false, vague: null })).toBe("5");
  });
  it("shows dates as fields do, day first", () => {
    expect(showDate("2026-11-19")).toBe("19/11/2026");
    expect(showDate("")).toBe("");
  });
  it("splits a typed list", () => {
    expect(splitList(" Bafoulabé, industry ,, repeat-attack ")).toEqual(["Bafoulabé", "industry", "repeat-attack"]);
  });
});

describe("claim ids after a save", () => {
  const claim = (amount: number, id?: string) => ({ amount, source: "wamaps", ...(id ? { id } : {}) });
  const report = (claims: ReturnType<typeof claim>[]) => ({ figures: { abducted: claims } }) as unknown as Report;

  it("takes the ids the core gave, keeping what was typed since", () => {
    const sent = report([claim(5), claim(7, "b")]);
    const saved = report([claim(5, "a"), claim(7, "b")]);
    const current = report([claim(6), claim(7, "b")]);
    adoptClaimIds(current, sent, saved);
    expect(current.figures?.abducted).toEqual([claim(6, "a"), claim(7, "b")]);
  });

  it("leaves a figure alone when its claims were added or removed since the save", () => {
    const sent = report([claim(5)]);
    const saved = report([claim(5, "a")]);
    const current = report([claim(5), claim(0)]);
    adoptClaimIds(current, sent, saved);
    expect(current.figures?.abducted).toEqual([claim(5), claim(0)]);
  });
});

describe("disputes", () => {
  it("splits element paths", () => {
    expect(splitPath("where.place")).toEqual({ list: "where.place", element: null, field: null });
    expect(splitPath("figures.abducted[0192-ab]")).toEqual({ list: "figures.abducted", element: "0192-ab", field: null });
    expect(splitPath("sources[wamaps].name")).toEqual({ list: "sources", element: "wamaps", field: "name" });
  });

  it("shows each side in words", () => {
    expect(disputedValue("North gate")).toBe("North gate");
    expect(disputedValue(null)).toBe("—");
    expect(disputedValue(undefined)).toBe("—");
    const names = (k: string) => (k === "wamaps" ? "WAMAPS" : k);
    expect(disputedValue({ id: "x", amount: 6, source: "wamaps", note: "per the mayor" }, names)).toBe("6 (WAMAPS), per the mayor");
    expect(disputedValue({ amount: { min: 3, max: 4 }, source: "s" })).toBe("3\u20134 (s)");
    expect(disputedValue(["a", "b"])).toBe('["a","b"]');
  });
});
