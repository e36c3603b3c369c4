import { describe, expect, it } from "vitest";
import { fieldName, figureName, figureText, i18n, t } from "./i18n.svelte";

describe("translations", () => {
  it("fills placeholders in both languages", () => {
    i18n.lang = "en";
    expect(t("list.count", { n: 3 })).toBe("3 report(s)");
    i18n.lang = "fr";
    expect(t("list.count", { n: 3 })).toBe("3 rapport(s)");
    expect(t("form.saved_at", { time: "10:02" })).toBe("Brouillon enregistré à 10:02");
  });
  it("says a disputed figure as the core does, in either language", () => {
    i18n.lang = "en";
    expect(figureText({ min: 3, max: 4, disputed: true })).toBe("3\u20134, sources disagree");
    expect(figureText({ min: 150, max: 170, disputed: false })).toBe("150\u2013170");
    expect(figureName("buildings_burned")).toBe("Buildings burned");
    i18n.lang = "fr";
    expect(figureText({ min: 3, max: 4, disputed: true })).toBe("3\u20134, les sources divergent");
    expect(figureName("abducted")).toBe("Enlevés");
  });
  it("names conflicting fields in words", () => {
    i18n.lang = "en";
    expect(fieldName("where.place")).toBe("Place as people name it");
    expect(fieldName("figures.killed")).toBe("Killed");
    expect(fieldName("(report)")).toBe("(report)");
  });
});
