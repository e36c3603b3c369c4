// Pure helpers of the report form, kept apart from components so Vitest checks them.
import type { Amount } from "../bindings/Amount";
import type { Claim } from "../bindings/Claim";
import type { FigureKind } from "../bindings/FigureKind";
import type { Problem } from "../bindings/Problem";
import type { Report } from "../bindings/Report";
import type { Source } from "../bindings/Source";
import type { VagueAmount } from "../bindings/VagueAmount";

/** The problems the core found at `path` or inside it (`figures.abducted` covers `figures.abducted[1].source`). */
export function problemsAt(problems: Problem[], path: string): Problem[] {
  return problems.filter(
    (p) => p.field === path || p.field.startsWith(path + ".") || p.field.startsWith(path + "["),
  );
}

/** The first message at exactly `path` or inside it, for the line under a field. */
export function messageAt(problems: Problem[], path: string): string | undefined {
  return problemsAt(problems, path)[0]?.message;
}

/** Problems no field of the form shows, so none is ever hidden from the user. */
export function unplaced(problems: Problem[], shown: string[]): Problem[] {
  return problems.filter((p) => !shown.some((path) => problemsAt([p], path).length > 0));
}

/** A short key for a new source, unique in the report: s1, s2... */
export function nextSourceKey(sources: Source[]): string {
  const used = new Set(sources.map((s) => s.key));
  let n = sources.length + 1;
  while (used.has(`s${n}`)) n++;
  return `s${n}`;
}

export type AmountMode = "exact" | "range" | "vague";

/** A claim's amount in the form: none until someone gives one. */
export type FormAmount = Amount | null;

export function amountMode(a: FormAmount): AmountMode {
  if (a === null || typeof a === "number") return "exact";
  if (typeof a === "string") return "vague";
  return "range";
}

/** Changes how a claim's amount is given, keeping the number the user typed where it can. */
export function switchAmount(a: FormAmount, mode: AmountMode): FormAmount {
  const low = typeof a === "number" ? a : a !== null && typeof a === "object" ? a.min : null;
  if (mode === "exact") return low;
  // A range's ends stay empty until typed (the core leaves a half-given range out).
  if (mode === "range")
    return { min: low, max: a !== null && typeof a === "object" ? a.max : low } as unknown as Amount;
  return "several" as VagueAmount;
}

/** A new claim says nothing yet: no amount (not 0) and no source chosen for it. */
export function newClaim(): Claim {
  return { amount: null as unknown as Amount, source: "", said_on: null, note: null };
}

/** Figures the report does not give yet, for the "add a figure" list. */
export function unusedFigures(report: Report, all: string[]): string[] {
  const used = Object.keys(report.figures ?? {});
  return all.filter((k) => !used.includes(k));
}

export function addFigure(report: Report, kind: FigureKind): Report {
  const figures = { ...(report.figures ?? {}) };
  figures[kind] = [...(figures[kind] ?? []), newClaim()];
  return { ...report, figures };
}

/** Calls `fn` once things have been quiet for `ms`; a new call restarts the wait. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

/** An ISO date (2026-11-19) as fields show dates: 19/11/2026. */
export function showDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** "a, b , c" into ["a", "b", "c"]: tags and targets typed on one line. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Takes the claim ids the core gave at a save (`saved`) into the form (`current`), in place,
 * so the next save names the same claims and the merge sees an edit, not a removal and an
 * addition. `sent` is what was saved; a figure whose list changed length since is left alone
 * (its claims get ids at the next save). Only missing ids are set: nothing typed is touched.
 */
export function adoptClaimIds(current: Report, sent: Report, saved: Report): void {
  for (const [kind, savedClaims] of Object.entries(saved.figures ?? {}) as [FigureKind, Claim[]][]) {
    const now = current.figures?.[kind];
    const then = sent.figures?.[kind];
    if (!now || !then || now.length !== then.length || then.length !== savedClaims.length) continue;
    now.forEach((claim, i) => {
      if (!claim.id && !then[i].id && savedClaims[i].id) claim.id = savedClaims[i].id;
    });
  }
}

/** A disputed path in parts: `figures.abducted[<id>]` is the list `figures.abducted`, element `<id>`. */
export function splitPath(path: string): { list: string; element: string | null; field: string | null } {
  const m = /^([^[]+)\[([^\]]+)\](?:\.(.+))?$/.exec(path);
  return m ? { list: m[1], element: m[2], field: m[3] ?? null } : { list: path, element: null, field: null };
}

/** One side of a dispute as one line: text as it is, a claim as its amount and source, else JSON. */
export function disputedValue(v: unknown, sourceName: (key: string) => string = (k) => k): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "object" && "amount" in v && "source" in v) {
    const c = v as Claim;
    const a = c.amount;
    const amount = typeof a === "object" ? `${a.min}\u2013${a.max}` : String(a);
    return [`${amount} (${sourceName(c.source)})`, c.said_on, c.note].filter(Boolean).join(", ");
  }
  return JSON.stringify(v);
}
