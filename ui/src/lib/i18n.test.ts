import { describe, expect, it } from "vitest";
import { i18n, t } from "./i18n.svelte";

describe("translations", () => {
  it("fills placeholders in both languages", () => {
    i18n.lang = "en";
    expect(t("list.count", { n: 3 })).toBe("3 report(s)");
    i18n.lang = "fr";
    expect(t("list.count", { n: 3 })).toBe("3 rapport(s)");
    expect(t("form.saved_at", { time: "10:02" })).toBe("Brouillon enregistré à 10:02");
  });
});
