// How the report form behaves for someone typing: which problems show (only at fields the user
// has left, or all after "Mark final"), which fields are marked required, where focus goes.
// The rules themselves are the core's: problems and required paths come from it.
import { tick } from "svelte";
import type { Problem } from "../bindings/Problem";

/** The field path an input of the form stands for, from its id: `source-name-1` → `sources[1]`. */
const paths: [RegExp, string][] = [
  [/^(title|narrative|damage|targets|tags)$/, "$1"],
  [/^when-(date|time|precision)$/, "when.$1"],
  [/^when-end$/, "when.end_date"],
  [/^where-(admin\d|place)$/, "where.$1"],
  [/^where-(lat|lon)$/, "where.coordinates"],
  [/^where-geo$/, "where.geo_precision"],
  [/^what-event$/, "what.event_type"],
  [/^what-sub$/, "what.sub_event_type"],
  [/^perp-name-(\d+)$/, "perpetrators[$1].name"],
  [/^perp-\w+-(\d+)$/, "perpetrators[$1]"],
  [/^source-name-(\d+)$/, "sources[$1].name"],
  [/^source-\w+-(\d+)$/, "sources[$1]"],
  [/^site-damage-(\d+)$/, "sites[$1]"],
  [/^claim-(\w+)-(\d+)-source$/, "figures.$1[$2].source"],
  [/^claim-(\w+)-(\d+)-\w+$/, "figures.$1[$2]"],
  [/^caption-(\d+)$/, "attachments[$1]"],
];

export function pathOf(id: string): string | null {
  for (const [pattern, path] of paths) if (pattern.test(id)) return id.replace(pattern, path);
  return null;
}

/** Whether one path lies inside the other (`sources[1]` and `sources[1].name`). */
function related(a: string, b: string): boolean {
  const inside = (x: string, y: string) => x === y || x.startsWith(y + ".") || x.startsWith(y + "[");
  return inside(a, b) || inside(b, a);
}

/** A required path of the core (`sources[].name`, `figures.*[].source`) matching `path`. */
export function isRequired(required: string[], path: string): boolean {
  const spelled = path.replace(/\[\d+\]/g, "[]").replace(/^figures\.\w+\[/, "figures.*[");
  return required.includes(spelled);
}

/** Which fields the user has left since the form opened; `all` after a try to mark final. */
export const touched = $state({ all: false, paths: [] as string[] });

export function resetTouched(all: boolean) {
  touched.all = all;
  touched.paths = [];
}

/** The problems to show now: none at a field the user has not been to yet. */
export function visible(problems: Problem[]): Problem[] {
  if (touched.all) return problems;
  return problems.filter((p) => touched.paths.some((t) => related(t, p.field)));
}

function touch(event: Event) {
  const id = (event.target as HTMLElement | null)?.id;
  const path = id ? pathOf(id) : null;
  if (path && !touched.paths.includes(path)) touched.paths = [...touched.paths, path];
}

const fields = "input, select, textarea";

/** Moves focus to `el` and brings it to the middle of the screen. */
export function goTo(el: HTMLElement) {
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "center" });
}

/** After problems show: focus the first field marked invalid, in the form's order. */
export async function goToFirstProblem(form: HTMLElement | null): Promise<boolean> {
  await tick();
  const first = form?.querySelector<HTMLElement>(`[aria-invalid="true"], .field-error, .banner.error`);
  if (!first) return false;
  if (first.matches(fields)) goTo(first);
  else {
    first.tabIndex = -1;
    goTo(first);
  }
  return true;
}

/**
 * The form's keyboard flow, as a Svelte action on the <form>: focus on the title at open;
 * a row added by an "add-…" button takes focus on its first field; leaving a field marks it
 * touched; required fields (the core's paths) get `aria-required` and a visible mark.
 */
export function formFlow(form: HTMLFormElement, required: string[]) {
  const mark = () => {
    for (const el of form.querySelectorAll<HTMLElement>(fields)) {
      const path = el.id ? pathOf(el.id) : null;
      const needed = !!path && isRequired(required, path);
      if (needed !== (el.getAttribute("aria-required") === "true")) {
        if (needed) el.setAttribute("aria-required", "true");
        else el.removeAttribute("aria-required");
      }
      const label = el.id ? form.querySelector(`label[for="${el.id}"]`) : null;
      label?.classList.toggle("required", needed);
    }
  };
  const added = async (event: MouseEvent) => {
    const button = (event.target as HTMLElement | null)?.closest("button");
    if (!button?.id.startsWith("add-")) return;
    const before = new Set(form.querySelectorAll(".item"));
    // The button's own handler runs after this one (Svelte delegates at the root): wait for it.
    await new Promise((resolve) => setTimeout(resolve));
    await tick();
    const row = [...form.querySelectorAll(".item")].find((el) => !before.has(el));
    const first = row?.querySelector<HTMLElement>(fields);
    if (first) goTo(first);
  };
  const rows = new MutationObserver(mark);
  rows.observe(form, { childList: true, subtree: true });
  mark();
  form.addEventListener("click", added);
  form.addEventListener("focusout", touch);
  form.addEventListener("change", touch);
  form.querySelector<HTMLElement>("#title")?.focus();
  return {
    destroy() {
      rows.disconnect();
      form.removeEventListener("click", added);
      form.removeEventListener("focusout", touch);
      form.removeEventListener("change", touch);
    },
  };
}
