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
