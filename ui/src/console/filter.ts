// The inbox's filter (the server's ReportFilter) as the console keeps it: in the address
// (`#/reports?region=Kayes&disputed=true`), so a filtered inbox, its counts and its exports
// share one filter and a link reopens the same view.

export const FILTER_KEYS = [
  "q",
  "region",
  "cercle",
  "event_type",
  "category",
  "from",
  "to",
  "review",
  "reporter",
  "disputed",
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];
/** Every value as typed; `disputed` is "true" or absent. */
export type Filter = Partial<Record<FilterKey, string>>;

export function filterFrom(query: URLSearchParams): Filter {
  const f: Filter = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key)?.trim();
    if (value) f[key] = value;
  }
  if (f.disputed && f.disputed !== "true") delete f.disputed;
  return f;
}

/** The filter's query parameters for the server (empty values left out, disputed a boolean). */
export function filterParams(f: Filter): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const key of FILTER_KEYS) {
    const value = f[key]?.trim();
    if (!value) continue;
    out[key] = key === "disputed" ? value === "true" : value;
  }
  return out;
}

/** `a=1&b=2` (no `?`), for the console's own addresses. */
export function filterQuery(f: Filter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filterParams(f))) {
    if (value !== false) q.set(key, String(value));
  }
  for (const [key, value] of Object.entries(extra)) if (value) q.set(key, value);
  return q.toString();
}

/** How many fields the filter sets. */
export function filterSize(f: Filter): number {
  return Object.keys(filterParams(f)).length;
}

/**
 * A typed date as the filter's ISO form: `2026-11-18` as is, or `18/11/2026` (the devices'
 * day-first form) turned into it; "" for nothing typed, null for anything else (a wrong day
 * or month, another order). Date inputs are plain text: a browser's date picker shows its own
 * locale's order (mm/dd/yyyy in English), which misleads here.
 */
export function isoDate(typed: string): string | null {
  const text = typed.trim();
  if (!text) return "";
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const dayFirst = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(text);
  const parts = iso ? [iso[1], iso[2], iso[3]] : dayFirst ? [dayFirst[3], dayFirst[2], dayFirst[1]] : null;
  if (!parts) return null;
  const [y, mo, d] = parts.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
