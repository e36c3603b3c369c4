// What several screens share: the pick-lists, the sync status, the list's filter, the route.
import type { AppInfo } from "../bindings/AppInfo";
import type { Catalog } from "../bindings/Catalog";
import type { ListQuery } from "../bindings/ListQuery";
import type { LockState } from "../bindings/LockState";
import type { SyncStatus } from "../bindings/SyncStatus";

export type Route =
  | { name: "list" }
  | { name: "view"; id: string }
  | { name: "edit"; id: string | null }
  | { name: "sites" }
  | { name: "sync" }
  | { name: "export"; report?: { id: string; title: string } }
  | { name: "settings" };

export function emptyQuery(): ListQuery {
  return {
    query: null,
    admin1: null,
    event_type: null,
    status: null,
    from: null,
    to: null,
    site: null,
    offset: 0,
    limit: 50,
  };
}

export const app = $state({
  route: { name: "list" } as Route,
  catalog: null as Catalog | null,
  info: null as AppInfo | null,
  sync: null as SyncStatus | null,
  query: emptyQuery(),
  /** Bumped when reports change, so the list reloads. */
  changes: 0,
  /** Set after a quick delete, so the next screen says it was done. */
  wiped: false,
  /** The report the form is writing, to go back to after an unlock. */
  editing: null as string | null,
  /** Keeps what the open form holds: called before the app locks. */
  flush: null as null | (() => Promise<void>),
  /** Null until the shell has said. */
  lock: null as LockState | null,
  /** Minutes without a key press or a click before the app locks itself. */
  idleMinutes:
    Number(typeof localStorage !== "undefined" ? localStorage.getItem("terrain.idleMinutes") : null) || 5,
});

export function setIdleMinutes(minutes: number) {
  app.idleMinutes = minutes;
  localStorage.setItem("terrain.idleMinutes", String(minutes));
}

export function go(route: Route) {
  app.route = route;
}
