// A photo's thumbnail: the core opens the sealed attachment, the web view draws it small.
// Data URLs only (the CSP allows `img-src data:`, no blob: or file URLs), and nothing kept
// once the screen closes: decrypted photos do not outlive the view that shows them.
import { api } from "./api";

/** Longest side of a thumbnail, in CSS pixels (drawn at twice that for sharp screens). */
export const THUMBNAIL_SIZE = 120;

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function load(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("not a picture the web view reads"));
    image.src = src;
  });
}

/** The photo with this hash as a small JPEG data URL. */
export async function thumbnail(sha256: string, mediaType: string): Promise<string> {
  const bytes = await api.photo(sha256);
  const full = await load(await readAsDataUrl(new Blob([bytes], { type: mediaType })));
  const scale = Math.min(1, (2 * THUMBNAIL_SIZE) / Math.max(full.naturalWidth, full.naturalHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(full.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(full.naturalHeight * scale));
  canvas.getContext("2d")!.drawImage(full, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", 0.8);
}
