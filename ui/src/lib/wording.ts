// The core's error kinds in plain words: which message of the catalogue a person reads for a
// sync, sign-in or unlock failure. The core's own text stays available as the detail.
import type { AppError } from "../bindings/AppError";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { Key } from "./i18n.svelte";

export function syncErrorKey(code: ErrorCode | null): Key {
  switch (code) {
    case "offline":
      return "sync.error.offline";
    case "refused":
      return "sync.error.refused";
    case "storage":
      return "sync.error.storage";
    default:
      return "sync.error.other";
  }
}

/** `server` is the address as typed: it tells an unencrypted address from a malformed one. */
export function signInErrorKey(error: AppError, server: string): Key | null {
  switch (error.code) {
    case "offline":
      return "settings.error.offline";
    case "refused":
      return "settings.error.refused";
    case "invalid":
      return isPlain(server) ? "settings.error.plain" : "settings.error.address";
    default:
      return null;
  }
}

export function unlockErrorKey(code: ErrorCode): Key {
  switch (code) {
    case "wrong_passphrase":
      return "lock.wrong";
    case "invalid":
      return "lock.weak";
    default:
      return "lock.failed";
  }
}

/** An address that would carry the password and reports unencrypted. */
export function isPlain(server: string): boolean {
  return /^\s*http:\/\//i.test(server);
}
