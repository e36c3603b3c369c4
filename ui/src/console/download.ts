// Exports arrive as streamed files: the body is read piece by piece so the page can say how
// much has come (bytes, and rows for CSV against the X-Terrain-Total header), then the whole
// file is handed to the browser as a download.
import { errorOf } from "./http";

export interface Progress {
  bytes: number;
  /** Lines received (CSV: rows, header lines included). */
  lines: number;
  /** Reports the server said the file holds, when it said. */
  total: number | null;
  done: boolean;
}

export interface Downloaded {
  blob: Blob;
  name: string;
  progress: Progress;
}

/** The file name of a Content-Disposition header, or `fallback`. */
export function fileName(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

/** Reads `res`'s body to the end, telling `onProgress` as pieces arrive. */
export async function readWithProgress(
  res: Response,
  fallbackName: string,
  onProgress: (p: Progress) => void,
): Promise<Downloaded> {
  const total = Number(res.headers.get("X-Terrain-Total"));
  const progress: Progress = {
    bytes: 0,
    lines: 0,
    total: res.headers.has("X-Terrain-Total") && Number.isFinite(total) ? total : null,
    done: false,
  };
  const chunks: Uint8Array[] = [];
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      progress.bytes += value.byteLength;
      for (const byte of value) if (byte === 10) progress.lines++;
      onProgress({ ...progress });
    }
  }
  progress.done = true;
  onProgress({ ...progress });
  const type = res.headers.get("Content-Type") ?? "application/octet-stream";
  return {
    blob: new Blob(chunks as BlobPart[], { type }),
    name: fileName(res.headers.get("Content-Disposition"), fallbackName),
    progress,
  };
}

/** GET `url` as a file with progress; throws the server's error when refused. */
export async function fetchFile(
  url: string,
  fallbackName: string,
  onProgress: (p: Progress) => void,
  signal?: AbortSignal,
): Promise<Downloaded> {
  const res = await fetch(url, {
    credentials: "same-origin",
    headers: { "Terrain-Protocol": "1" },
    signal,
  });
  if (!res.ok) throw await errorOf(res);
  return readWithProgress(res, fallbackName, onProgress);
}

/** Hands a received file to the browser's downloads. */
export function save(file: Downloaded) {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
