// The console's words: the `console.*` codes of the one catalogue (messages.json), read through
// the desktop UI's i18n module (the same language choice, kept in this browser, the browser's
// language by default).
import { message } from "../lib/i18n.svelte";

type Params = Record<string, string | number>;

/** The console's text for `key` (without its `console.` prefix) in the chosen language. */
export function w(key: string, params: Params = {}): string {
  return message(`console.${key}`, params);
}

/** A date-time (RFC 3339) as people read it in the chosen language: "28 Nov 2026, 14:05". */
export function when(at: string | null | undefined, lang: string): string {
  if (!at) return "";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return d.toLocaleString(lang === "fr" ? "fr-FR" : "en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A byte count in words: "12.5 kB". */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** Only http(s) links are links; anything else (javascript:, data:) is shown as text. */
export function safeUrl(text: string | null | undefined): string | null {
  if (!text) return null;
  try {
    const u = new URL(text);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}
