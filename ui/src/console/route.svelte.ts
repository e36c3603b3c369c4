// Client-side routes in the address's fragment (`#/reports/ID`), so the server serves one page
// and any address of the console reloads to the same place.

export interface Route {
  /** "/reports", "/reports/ID", "/counts", "/exports", "/admin/users", ... */
  path: string;
  /** Path segments: ["reports", "ID"]. */
  parts: string[];
  query: URLSearchParams;
}

export function parse(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/reports";
  const [pathPart, queryPart = ""] = raw.split("?", 2);
  const path = pathPart.startsWith("/") ? pathPart : `/${pathPart}`;
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { path, parts, query: new URLSearchParams(queryPart) };
}

export const route = $state<{ current: Route }>({
  current: parse(typeof location === "undefined" ? "" : location.hash),
});

export function listen(): () => void {
  const update = () => (route.current = parse(location.hash));
  window.addEventListener("hashchange", update);
  return () => window.removeEventListener("hashchange", update);
}

/** Goes to `path` (with its query, if any). */
export function go(path: string) {
  location.hash = `#${path}`;
}

/** The address of a report's page. */
export function reportHref(id: string): string {
  return `#/reports/${encodeURIComponent(id)}`;
}
