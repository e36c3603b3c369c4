import { describe, expect, it } from "vitest";
import { filterFrom, filterParams, filterQuery, filterSize, isoDate } from "./filter";
import { fileName, readWithProgress, type Progress } from "./download";
import { queryString } from "./http";
import { parse } from "./route.svelte";
import { safeUrl } from "./words";
import catalogue from "../../../crates/terrain-domain/messages.json";

describe("the console's filter", () => {
  it("reads the address, drops empty values and a disputed that is not true", () => {
    const f = filterFrom(new URLSearchParams("q=Kayès&region=&disputed=yes&from=2026-11-01&x=1"));
    expect(f).toEqual({ q: "Kayès", from: "2026-11-01" });
    expect(filterSize(f)).toBe(2);
  });
  it("sends disputed as a boolean and writes the same address back", () => {
    const f = filterFrom(new URLSearchParams("region=Kayes&disputed=true&review=none"));
    expect(filterParams(f)).toEqual({ region: "Kayes", review: "none", disputed: true });
    expect(filterFrom(new URLSearchParams(filterQuery(f)))).toEqual(f);
    expect(filterQuery(f, { by: "event_type" })).toContain("by=event_type");
  });
  it("takes typed dates in ISO or day first, and nothing else", () => {
    expect(isoDate(" 2026-11-18 ")).toBe("2026-11-18");
    expect(isoDate("2026-1-5")).toBe("2026-01-05");
    expect(isoDate("18/11/2026")).toBe("2026-11-18");
    expect(isoDate("5.1.2026")).toBe("2026-01-05");
    expect(isoDate("")).toBe("");
    for (const bad of ["11/31/2026", "2026-02-30", "2026-13-01", "18 Nov 2026", "2026/11/18", "20261118"]) {
      expect(isoDate(bad), bad).toBeNull();
    }
  });
  it("leaves false and empty out of a request's query", () => {
    expect(queryString({ a: "x y", b: "", c: false, d: true, e: undefined, f: 0 })).toBe("?a=x+y&d=true&f=0");
    expect(queryString({})).toBe("");
  });
});

describe("routes", () => {
  it("reads the fragment", () => {
    const r = parse("#/reports/0193%2Fx?q=a");
    expect(r.parts).toEqual(["reports", "0193/x"]);
    expect(r.query.get("q")).toBe("a");
    expect(parse("").path).toBe("/reports");
  });
});

describe("links", () => {
  it("are only http(s)", () => {
    expect(safeUrl("https://example.org/a")).toBe("https://example.org/a");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl(" JavaScript:alert(1)")).toBeNull();
    expect(safeUrl("data:text/html,<script>")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
  });
});

describe("downloads", () => {
  it("count bytes and lines as they arrive and take the server's file name", async () => {
    const pieces = ["id,title\n#id,#title\n", "a,b\n", "c,d\n"];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of pieces) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });
    const res = new Response(body, {
      headers: {
        "Content-Type": "text/csv",
        "Content-Disposition": "attachment; filename=\"reports.csv\"",
        "X-Terrain-Total": "2",
      },
    });
    const seen: Progress[] = [];
    const file = await readWithProgress(res, "x.csv", (p) => seen.push(p));
    expect(seen.length).toBe(4);
    expect(seen[0]).toMatchObject({ bytes: pieces[0].length, lines: 2, total: 2, done: false });
    expect(file.progress).toMatchObject({ lines: 4, done: true });
    expect(file.name).toBe("reports.csv");
    expect(await file.blob.text()).toBe(pieces.join(""));
  });
  it("read RFC 5987 names", () => {
    expect(fileName("attachment; filename*=UTF-8''rapport%20S%C3%A9gou.pdf", "x")).toBe("rapport Ségou.pdf");
    expect(fileName(null, "x.pdf")).toBe("x.pdf");
  });
});

describe("the console's words", () => {
  const messages = catalogue as Record<string, { en?: string; fr?: string }>;
  // Every source file of the console, as text.
  const files = import.meta.glob(["./**/*.ts", "./**/*.svelte", "!./**/*.test.ts"], {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>;
  it("are all in the catalogue, in English and French", () => {
    const used = new Set<string>();
    for (const text of Object.values(files)) {
      for (const m of text.matchAll(/\bw\(\s*"([a-z0-9_.]+)"/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter((k) => !messages[`console.${k}`]?.en || !messages[`console.${k}`]?.fr);
    expect(missing).toEqual([]);
  });
  it("never render HTML from data", () => {
    expect(Object.keys(files).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(files)) {
      expect(text, file).not.toMatch(/\{@html/);
    }
  });
});
