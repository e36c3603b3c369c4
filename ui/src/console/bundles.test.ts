import { describe, expect, it } from "vitest";
import { arrange, partOf, summary, type BundleImported } from "./bundles";
import catalogue from "../../../crates/terrain-domain/messages.json";

const f = (name: string) => ({ name });

describe("the bundle upload's files", () => {
  it("reads a part's place from its name, and nothing from another name", () => {
    expect(partOf("terrain-awa-20261129T050000Z-000003.p002of003.tbundle")).toEqual({
      stem: "terrain-awa-20261129T050000Z-000003",
      index: 2,
      count: 3,
    });
    expect(partOf("terrain-awa-20261129T050000Z-000003.tbundle")).toBeNull();
    expect(partOf("notes.p1of2.txt")).toBeNull();
  });
  it("takes one file on its own, and a set's parts in their order whatever the choice's", () => {
    expect(arrange([f("a.tbundle")])).toEqual({ ok: true, files: [f("a.tbundle")], name: "a.tbundle" });
    const chosen = [f("s.p003of003.tbundle"), f("s.p001of003.tbundle"), f("s.p002of003.tbundle")];
    const arranged = arrange(chosen);
    expect(arranged.ok && arranged.files.map((x) => x.name)).toEqual([
      "s.p001of003.tbundle",
      "s.p002of003.tbundle",
      "s.p003of003.tbundle",
    ]);
    expect(arranged.ok && arranged.name).toBe("s.p001of003.tbundle");
  });
  it("names the missing parts, and refuses two bundles or none", () => {
    expect(arrange([f("s.p001of003.tbundle")])).toEqual({ ok: false, key: "missing", count: 3, missing: [2, 3] });
    expect(arrange([])).toEqual({ ok: false, key: "none_chosen" });
    expect(arrange([f("a.tbundle"), f("b.tbundle")])).toEqual({ ok: false, key: "mixed" });
    expect(arrange([f("s.p001of002.tbundle"), f("t.p002of002.tbundle")])).toEqual({ ok: false, key: "mixed" });
    expect(arrange([f("s.p001of002.tbundle"), f("s.p001of002.tbundle")])).toEqual({ ok: false, key: "mixed" });
  });
});

describe("the bundle upload's summary", () => {
  const done: BundleImported = {
    file: "a.tbundle", user: "awa", device: "tablet",
    stored: 3, already: 1, conflicts: 0, refused: 0, photos: 2,
    links: 0, links_already: 0, links_refused: 0,
    sites: 1, sites_already: 0, sites_conflicts: 0, sites_refused: 0,
    pulled: 0, decisions_sent: 4, links_sent: 0, sites_sent: 0,
    replies: [{ name: "terrain-reply-tablet.tbundle", bytes: 900 }],
  };
  it("always says the reports' fate, and the rest when there is some", () => {
    const s = summary(done);
    expect(s.received).toEqual([
      { key: "stored", n: 3 },
      { key: "already", n: 1 },
      { key: "conflicts", n: 0 },
      { key: "refused", n: 0 },
      { key: "photos", n: 2 },
      { key: "sites", n: 1 },
    ]);
    expect(s.sent).toEqual([
      { key: "pulled", n: 0 },
      { key: "decisions_sent", n: 4 },
    ]);
  });
  it("has words in English and French for every line", () => {
    const all = catalogue as Record<string, { en: string; fr: string }>;
    const keys = ["stored", "already", "conflicts", "refused", "photos", "links", "links_already",
      "links_refused", "sites", "sites_already", "sites_conflicts", "sites_refused", "pulled",
      "decisions_sent", "links_sent", "sites_sent", "missing", "mixed", "none_chosen", "carry"];
    for (const k of keys) {
      const m = all[`console.bundles.${k}`];
      expect(m, k).toBeDefined();
      expect(m.fr, k).not.toBe(m.en);
    }
  });
});
