// A site's name for links (a report names its sites by id): read once per page load from
// GET /v1/sites/{id}, the site's own newest revision. A site the reader may not read keeps
// its id as its name.
import type { SiteHistory } from "./api.gen";
import { get } from "./http";

const names = new Map<string, Promise<string>>();

/** The site's own newest name among `history`'s revisions (the last in feed order). */
export function nameIn(history: SiteHistory): string | null {
  const own = history.revisions.filter((r) => r.site_id === history.site);
  return own.at(-1)?.content.name ?? null;
}

export function siteName(id: string): Promise<string> {
  let name = names.get(id);
  if (!name) {
    name = get<SiteHistory>(`/v1/sites/${encodeURIComponent(id)}`)
      .then((h) => nameIn(h) ?? id)
      .catch(() => id);
    names.set(id, name);
  }
  return name;
}
