// The Bundles page's logic: which files make one bundle (a split bundle's parts are named
// STEM.pIIIofNNN.tbundle and are cuts of one stream, sent in order as one body), the upload
// with its progress, and the summary's lines.
import { ApiError, csrf, errorOf } from "./http";
import type { BundleImported } from "./api.gen";

export type { BundleImported };

interface Named {
  name: string;
}

/** A part's place in its set: `STEM.pIIIofNNN.tbundle` (null: a file on its own). */
export function partOf(name: string): { stem: string; index: number; count: number } | null {
  const m = /^(.*)\.p(\d+)of(\d+)\.tbundle$/.exec(name);
  if (!m) return null;
  return { stem: m[1], index: Number(m[2]), count: Number(m[3]) };
}

export type Arranged<F> =
  | { ok: true; files: F[]; name: string }
  | { ok: false; key: "none_chosen" | "mixed" }
  | { ok: false; key: "missing"; count: number; missing: number[] };

/** The chosen files in the order to send, or why they are not one whole bundle. */
export function arrange<F extends Named>(chosen: F[]): Arranged<F> {
  if (chosen.length === 0) return { ok: false, key: "none_chosen" };
  const parts = chosen.map((f) => ({ file: f, part: partOf(f.name) }));
  if (parts.length === 1 && !parts[0].part) return { ok: true, files: chosen, name: chosen[0].name };
  const first = parts[0].part;
  if (!first || parts.some((p) => !p.part || p.part.stem !== first.stem || p.part.count !== first.count)) {
    return { ok: false, key: "mixed" };
  }
  const byIndex = new Map(parts.map((p) => [p.part!.index, p.file]));
  if (byIndex.size !== parts.length) return { ok: false, key: "mixed" };
  const missing: number[] = [];
  for (let i = 1; i <= first.count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length) return { ok: false, key: "missing", count: first.count, missing };
  if (byIndex.size !== first.count) return { ok: false, key: "mixed" };
  const files = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  return { ok: true, files, name: files[0].name };
}

/** One line of the summary: a `console.bundles.*` key and its count. */
export interface Line {
  key: string;
  n: number;
}

/** What the device sent and what went back, in lines; the reports' four always, the rest
 * when not zero. */
export function summary(done: BundleImported): { received: Line[]; sent: Line[] } {
  const always = ["stored", "already", "conflicts", "refused"] as const;
  const more = [
    "photos",
    "links",
    "links_already",
    "links_refused",
    "sites",
    "sites_already",
    "sites_conflicts",
    "sites_refused",
  ] as const;
  const back = ["pulled", "decisions_sent", "links_sent", "sites_sent"] as const;
  return {
    received: [
      ...always.map((key) => ({ key, n: done[key] })),
      ...more.filter((key) => done[key] > 0).map((key) => ({ key, n: done[key] })),
    ],
    sent: back.map((key) => ({ key, n: done[key] })).filter((l, i) => i === 0 || l.n > 0),
  };
}

/** Sends `files` (one bundle, in order) to the server; `onProgress` hears the bytes sent. The
 * server's refusal comes back as an ApiError in `lang`'s words. */
export function upload(
  files: Blob[],
  name: string,
  lang: string,
  onProgress: (sent: number, total: number) => void,
): Promise<BundleImported> {
  const body = new Blob(files, { type: "application/octet-stream" });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1/admin/bundles?name=${encodeURIComponent(name)}`);
    xhr.setRequestHeader("Terrain-Protocol", "1");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Accept-Language", lang);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new ApiError(0, "offline", "the server could not be reached"));
    xhr.onload = async () => {
      const res = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { "Content-Type": xhr.getResponseHeader("Content-Type") ?? "" },
      });
      if (xhr.status >= 200 && xhr.status < 300) resolve(await res.json());
      else reject(await errorOf(res));
    };
    xhr.send(body);
  });
}
