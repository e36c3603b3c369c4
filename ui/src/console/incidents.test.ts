import { describe, expect, it } from "vitest";
import { i18n } from "../lib/i18n.svelte";
import type { IncidentFigure, Reason, SiteIncident } from "./api.gen";
import { claimLines, days, figureLine, headline, incidentReport, reasonsText, siteHref } from "./incidents";
import { nameIn } from "./sites";

const A = "019a0000-0000-7000-8000-00000000000a";
const B = "019a0000-0000-7000-8000-00000000000b";

const source = (name: string) => ({ key: name.toLowerCase(), name, kind: "journalist", reliability: "usually_reliable" }) as const;

// The Bafoulabé attack linked from two reports: Wamaps says 3 abducted (in both), the elected
// official 4.
const abducted: IncidentFigure = {
  kind: "abducted",
  summary: { min: 3, max: 4, disputed: true, claims: 3, conservative: 3 },
  claims: [
    { report: A, source: source("Wamaps"), claim: { amount: 3, source: "wamaps" } },
    { report: B, source: source("Wamaps"), claim: { amount: 3, source: "wamaps" } },
    { report: B, source: source("Elected official"), claim: { amount: { min: 4, max: 5 }, source: "elected" } },
  ],
} as IncidentFigure;

function incident(id: string, reports: string[], earliest: string, latest = earliest): SiteIncident {
  return {
    id,
    title: "Attack",
    event_type: "Violence against civilians",
    figures: { reports, figures: [], sources: [], sites: [], earliest: { date: earliest }, latest: { date: latest } },
  } as SiteIncident;
}

describe("the incident panel's words", () => {
  it("says a disputed figure with each source once per amount", () => {
    i18n.lang = "en";
    expect(figureLine(abducted)).toBe("Abducted: 3\u20134, sources disagree");
    expect(claimLines(abducted)).toEqual(["3 \u2014 Wamaps", "4\u20135 \u2014 Elected official"]);
    i18n.lang = "fr";
    expect(figureLine(abducted)).toBe("Enlevés : 3\u20134, les sources divergent");
  });
  it("words the reasons as the app does, in either language", () => {
    const reasons: Reason[] = [
      { reason: "same_region" },
      { reason: "apart", km: 0.4 },
      { reason: "words_alike", shared: 2, words: ["usine", "bafoulabe"] },
    ];
    i18n.lang = "en";
    expect(reasonsText(reasons)).toBe("same region; 1 km apart; words alike: usine, bafoulabe");
    i18n.lang = "fr";
    expect(reasonsText(reasons)).toBe("même région; à 1 km l'un de l'autre; mots semblables : usine, bafoulabe");
  });
});

describe("the site page", () => {
  it("counts incidents since the month of the first, or says there is none", () => {
    const page = { since: "2026-03-02", incidents: [incident(A, [A], "2026-03-02"), incident(B, [A, B], "2026-11-18")] };
    i18n.lang = "en";
    expect(headline(page)).toBe("2 incident(s) since March 2026");
    i18n.lang = "fr";
    expect(headline(page)).toBe("2 incident(s) depuis mars 2026");
    expect(headline({ since: null, incidents: [] })).toBe("Aucun incident sur ce site pour l'instant.");
  });
  it("gives an incident's days and the report its row opens", () => {
    expect(days(incident(A, [A], "2026-11-18"))).toBe("2026-11-18");
    expect(days(incident(A, [A], "2026-11-18", "2026-11-19"))).toBe("2026-11-18 \u2013 2026-11-19");
    // The incident's own report when the reader may see it, else the first they may.
    expect(incidentReport(incident(A, [A, B], "2026-11-18"))).toBe(A);
    expect(incidentReport(incident(A, [B], "2026-11-18"))).toBe(B);
    expect(siteHref("a/b")).toBe("#/sites/a%2Fb");
  });
  it("names a site by its own newest revision, not a site it was merged into", () => {
    const rev = (site: string, name: string) => ({ site_id: site, content: { name } });
    const history = { site: A, revisions: [rev(A, "Old"), rev(B, "Kept"), rev(A, "New")] };
    expect(nameIn(history as never)).toBe("New");
    expect(nameIn({ site: A, revisions: [] })).toBeNull();
  });
});
