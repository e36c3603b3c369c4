// What the filters offer, from the data the core itself reads: regions and cercles from the
// domain's gazetteer (crates/terrain-domain/data/mali-gazetteer.tsv), event types and local
// categories from the catalogue's pick-list labels.
import gazetteer from "../../../crates/terrain-domain/data/mali-gazetteer.tsv?raw";
import catalogue from "../../../crates/terrain-domain/messages.json";

const rows = gazetteer
  .split("\n")
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => line.split("\t"));

/** Mali's regions (admin1), in the gazetteer's spelling, sorted. */
export const REGIONS: string[] = [...new Set(rows.map((r) => r[0]).filter(Boolean))].sort((a, b) =>
  a.localeCompare(b, "fr"),
);

/** Cercles (admin2) of `region`, or of every region. */
export function cercles(region?: string): string[] {
  const of = rows.filter((r) => r[1] && (!region || r[0] === region)).map((r) => r[1]);
  return [...new Set(of)].sort((a, b) => a.localeCompare(b, "fr"));
}

function values(list: string): string[] {
  const prefix = `choice.${list}.`;
  return Object.keys(catalogue)
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
}

export const EVENT_TYPES = values("event_types");
export const CATEGORIES = values("categories");
export const REVIEW_STATES = ["verified", "needs_follow_up", "rejected"] as const;
export type ReviewStateKey = (typeof REVIEW_STATES)[number];
