import { describe, expect, it } from "vitest";
import { i18n } from "./i18n.svelte";
import { reviewShort, reviewText } from "./review";
import type { Review } from "../bindings/Review";

const review = (state: Review["decision"]["state"], comment: string | null, changed_since = false): Review => ({
  decision: { id: "d", report_id: "r", revision: "v", state, comment, by: "Fanta", at: "2026-11-28T10:00:00Z" },
  changed_since,
});

describe("review words", () => {
  it("say the decision as the core does, in both languages", () => {
    i18n.lang = "en";
    expect(reviewText(review("verified", null))).toBe("Verified by Fanta, 28 Nov");
    expect(reviewText(review("verified", null, true))).toBe("Verified by Fanta, 28 Nov; changed since verified");
    expect(reviewText(review("needs_follow_up", "Which plants?"))).toBe("Question from Fanta, 28 Nov: Which plants?");
    expect(reviewShort(review("rejected", "doublon"))).toBe("Rejected");
    i18n.lang = "fr";
    expect(reviewText(review("verified", null, true))).toBe("Vérifié par Fanta, le 28 nov.; modifié depuis la vérification");
    expect(reviewText(review("rejected", "doublon"))).toBe("Rejeté par Fanta, le 28 nov. : doublon");
  });
  it("keeps hostile comments as text (Svelte escapes it; nothing here builds HTML)", () => {
    i18n.lang = "en";
    expect(reviewText(review("rejected", "<img src=x onerror=alert(1)>"))).toBe("Rejected by Fanta, 28 Nov: <img src=x onerror=alert(1)>");
  });
});
