// What the console's incident panel and site page say, worded from what the server answers:
// suggestions' reasons, each figure of an incident with every source's claim, a site's
// headline. No rule lives here: the summaries, the grouping and the counting are the core's.
import { choiceLabel, figureName, figureText, message } from "../lib/i18n.svelte";
import type { Amount, IncidentFigure, Reason, SiteIncident, SiteIncidents } from "./api.gen";

/** One reason in the chosen language ("same region", "12 km apart"), as the app words it. */
export function reasonText(r: Reason): string {
  switch (r.reason) {
    case "apart":
      return message("incident.reason.apart", { km: Math.round(Math.max(r.km, 1)) });
    case "same_event_type":
      return message("incident.reason.same_event_type", { event_type: choiceLabel("event_types", r.event_type) });
    case "words_alike":
      return message("incident.reason.words_alike", { words: r.words.join(", "), shared: r.shared });
    default:
      return message(`incident.reason.${r.reason}`);
  }
}

/** Every reason, joined as the app joins them. */
export function reasonsText(reasons: Reason[]): string {
  return reasons.map(reasonText).join("; ");
}

/** A source's amount as it gave it: "3", "3–4", or its words. */
export function amountText(a: Amount): string {
  if (typeof a === "number") return String(a);
  if (typeof a === "string") return message(`vague.${a}`);
  return `${a.min}\u2013${a.max}`;
}

/** "Abducted: 3–4, sources disagree" ("Enlevés : 3–4, …" in French). */
export function figureLine(f: IncidentFigure): string {
  return `${figureName(f.kind)}${message("label_separator")}${figureText(f.summary)}`;
}

/** Each source once per amount it gave ("3 — Wamaps"): two linked reports often carry the
 * same claim. */
export function claimLines(f: IncidentFigure): string[] {
  const lines = f.claims.map((c) => `${amountText(c.claim.amount)} \u2014 ${c.source.name}`);
  return [...new Set(lines)];
}

/** "3 incident(s) since March 2026", or "No incident at this site yet.". */
export function headline(page: Pick<SiteIncidents, "since" | "incidents">): string {
  if (!page.since) return message("site.history.none");
  const since = new Date(`${page.since}T00:00:00Z`);
  const month = message("site.history.months").split(" ")[since.getUTCMonth()];
  return message("site.history.count", { n: page.incidents.length, since: `${month} ${since.getUTCFullYear()}` });
}

/** An incident's days: "2026-03-02", or "2026-03-02 – 2026-03-04" over several. */
export function days(i: SiteIncident): string {
  const [a, b] = [i.figures.earliest.date, i.figures.latest.date];
  return b > a ? `${a} \u2013 ${b}` : a;
}

/** The report an incident's row opens: its own when the reader may see it, else the first. */
export function incidentReport(i: SiteIncident): string {
  return i.figures.reports.includes(i.id) ? i.id : (i.figures.reports[0] ?? i.id);
}

/** The address of a site's page. */
export function siteHref(id: string): string {
  return `#/sites/${encodeURIComponent(id)}`;
}
