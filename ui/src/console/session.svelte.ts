// Who is signed in (the server's ConsoleSession), and whether the page asked for is refused.
import type { ConsoleSession } from "./api.gen";
import { ApiError, get, json, onUnauthorized, setCsrf } from "./http";

export const ui = $state({
  session: null as ConsoleSession | null,
  /** The session was asked for once (before that, nothing shows). */
  checked: false,
  /** Why the server sent the console back to sign-in (session_expired...), if it did. */
  signedOutBy: "",
  /** The page shown is refused (403): the forbidden page replaces it. */
  forbidden: false,
});

function take(session: ConsoleSession | null) {
  ui.session = session;
  setCsrf(session?.csrf ?? "");
}

onUnauthorized((e) => {
  take(null);
  ui.signedOutBy = e.code;
});

export async function loadSession() {
  try {
    take(await json<ConsoleSession>("GET", "/v1/console/session", { quiet401: true }));
  } catch {
    take(null);
  } finally {
    ui.checked = true;
  }
}

export async function signIn(user: string, password: string) {
  take(
    await json<ConsoleSession>("POST", "/v1/console/session", {
      body: { user, password },
      quiet401: true,
    }),
  );
  ui.signedOutBy = "";
}

export async function signOut() {
  await json("DELETE", "/v1/console/session", { quiet401: true }).catch(() => {});
  take(null);
}

export const isAdmin = () => ui.session?.role === "admin";

/** Runs a page's load; a 403 turns the page into the forbidden page. */
export async function guard<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      ui.forbidden = true;
      return undefined;
    }
    throw e;
  }
}

export { get };
