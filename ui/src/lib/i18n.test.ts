import { describe, expect, it } from "vitest";
import { choiceLabel, errorText, fieldLabel, fieldName, figureName, figureText, i18n, message, problemLine, problemText, sameInFrench, t } from "./i18n.svelte";

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
  it("badges a possible duplicate in the list and words the suggestion, in either language", () => {
    i18n.lang = "en";
    expect(message("incident.possible_duplicate")).toBe("Possible duplicate");
    expect(message("incident.reason.apart", { km: "2" })).toBe("2 km apart");
    i18n.lang = "fr";
    expect(message("incident.possible_duplicate")).toBe("Doublon possible");
    expect(message("incident.may_be_same", { title: "Usines attaquées" })).toBe("Peut-être le même incident que Usines attaquées");
  });
  it("names conflicting fields in words", () => {
    i18n.lang = "en";
    expect(fieldName("where.place")).toBe("Place as people name it");
    expect(fieldName("figures.killed")).toBe("Killed");
    expect(fieldName("(report)")).toBe("(report)");
  });
});

describe("French everywhere", () => {
  it("translates every screen word, but for words both languages share", () => {
    // Words French uses as they are (names, units, the same spelling).
    const shared = ["nav.sites", "form.date", "form.cercle", "form.commune", "form.latitude", "form.longitude",
      "form.sources", "col.date", "status.final", "form.source", "export.format",
      "form.attribution", "lock.minutes"];
    const same = sameInFrench() as string[];
    expect(same.filter((k) => !shared.includes(k))).toEqual([]);
    // The list stays exact: a word translated since leaves it.
    expect(shared.filter((k) => !same.includes(k))).toEqual([]);
  });
  it("says the core's problems in French, naming the field in words", () => {
    i18n.lang = "fr";
    const p = { field: "where.coordinates.latitude", code: "latitude_range", params: { value: "95" }, message: "" };
    expect(problemLine(p)).toBe("Latitude : 95 n'est pas une latitude (doit être entre -90 et 90)");
    const q = { field: "figures.killed[0].source", code: "claim_source_required", params: {}, message: "" };
    expect(problemLine(q)).toBe("Tués, chiffre 1, source : obligatoire : chaque chiffre nomme sa source");
    const at = { field: "title", code: "expected_found", params: { expected: "expect.text", found: "3", line: "2", column: "10" }, message: "" };
    expect(problemText(at)).toBe("attendu : du texte entre guillemets ; trouvé : 3 (ligne 2, colonne 10)");
    expect(fieldLabel("where.colour")).toBe("Où, colour");
    i18n.lang = "en";
    expect(problemLine(p)).toBe("Latitude: 95 is not a latitude (-90 to 90)");
    expect(fieldLabel("sources[1].name")).toBe("Source 2, name");
  });
  it("shows pick-lists in the chosen language", () => {
    i18n.lang = "fr";
    expect(choiceLabel("event_types", "Violence against civilians")).toBe("Violence contre les civils");
    expect(choiceLabel("source_kinds", "witness")).toBe("Témoin");
    expect(choiceLabel("categories", "fuel_blockade")).toBe("Blocus du carburant");
    expect(choiceLabel("categories", "not_a_category", "Fallback")).toBe("Fallback");
    i18n.lang = "en";
    expect(choiceLabel("event_types", "Battles")).toBe("Battles");
  });
  it("gives an error's problems rather than its English summary", () => {
    i18n.lang = "fr";
    const e = { code: "invalid", message: "name: is required", problems: [{ field: "name", code: "required", params: {}, message: "is required" }] };
    expect(errorText(e)).toBe("Nom : obligatoire");
    expect(errorText({ code: "storage", message: "disk full", problems: [] })).toBe("disk full");
  });
  it("words a refused bundle in the reader's language, from the core's catalogue code", () => {
    const e = {
      code: "refused",
      message: "/media/usb/x.tbundle: a reply for another device (d2), not this one (d1)",
      problems: [],
      said: { code: "bundle.error.other_device", params: { device: "d2" } },
    };
    i18n.lang = "fr";
    expect(errorText(e)).toBe("Cette réponse est destinée à un autre appareil (d2), pas à celui-ci : remettez-la à son propriétaire. Rien n'a été lu.");
    i18n.lang = "en";
    expect(errorText(e)).toBe("This reply is for another device (d2), not this one: give it to its owner. Nothing was read.");
    expect(errorText({ ...e, said: { code: "bundle.error.tampered", params: {} } })).toContain("changed or damaged after it was written");
  });
});
