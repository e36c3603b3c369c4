// A report's review as the device shows it: "Verified by Fanta, 28 Nov", "Question from
// Fanta, 28 Nov: …", "Rejected by Fanta, 28 Nov: …", then "; changed since verified" when
// the report was edited after. The same words and rule as the core's
// `terrain_domain::review::line` (the CLI's), from the one catalogue (`review.*`).
import type { Review } from "../bindings/Review";
import type { ReviewState } from "../bindings/ReviewState";
import { message } from "./i18n.svelte";

/** "28 Nov" ("28 nov.") from an RFC 3339 time; the text as given when it is not one. */
export function dayMonth(at: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(at);
  if (!m) return at;
  const months = message("pdf.months").split(" ");
  return `${Number(m[3])} ${months[Number(m[2]) - 1] ?? m[2]}`;
}

const codes: Record<ReviewState, string> = {
  verified: "review.verified_by",
  needs_follow_up: "review.question_from",
  rejected: "review.rejected_by",
};

/** The whole sentence, for the report view. */
export function reviewText(r: Review): string {
  const d = r.decision;
  let text = message(codes[d.state], { by: d.by, date: dayMonth(d.at), comment: d.comment ?? "" });
  if (d.state === "verified" && d.comment) text += `: ${d.comment}`;
  if (r.changed_since) {
    text += "; " + message(d.state === "verified" ? "review.changed_since_verified" : "review.changed_since_reviewed");
  }
  return text;
}

/** A word for the list ("Verified", "Needs follow-up", "Rejected"), with the change noted. */
export function reviewShort(r: Review): string {
  const word = message(`pdf.review_short.${r.decision.state}`);
  if (!r.changed_since) return word;
  return `${word}; ${message(r.decision.state === "verified" ? "review.changed_since_verified" : "review.changed_since_reviewed")}`;
}
