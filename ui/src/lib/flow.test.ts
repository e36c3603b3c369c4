import { describe, expect, it } from "vitest";
import type { Problem } from "../bindings/Problem";
import { isRequired, pathOf, resetTouched, touched, visible } from "./flow.svelte";
import { isPlain, signInErrorKey, syncErrorKey, unlockErrorKey } from "./wording";

const problem = (field: string): Problem => ({ field, code: "required", params: {}, message: "is required" });
const REQUIRED = ["title", "where.admin1", "what.event_type", "perpetrators[].name", "sources[].name", "figures.*[].source"];

describe("the form's fields and the core's paths", () => {
  it("reads the path an input stands for from its id", () => {
    expect(pathOf("title")).toBe("title");
    expect(pathOf("where-admin1")).toBe("where.admin1");
    expect(pathOf("where-lat")).toBe("where.coordinates");
    expect(pathOf("when-end")).toBe("when.end_date");
    expect(pathOf("source-name-2")).toBe("sources[2].name");
    expect(pathOf("source-kind-2")).toBe("sources[2]");
    expect(pathOf("claim-buildings_burned-1-source")).toBe("figures.buildings_burned[1].source");
    expect(pathOf("claim-abducted-0-amount")).toBe("figures.abducted[0]");
    expect(pathOf("add-source")).toBeNull();
  });
  it("marks a field required by the core's list, rows and figures included", () => {
    expect(isRequired(REQUIRED, "title")).toBe(true);
    expect(isRequired(REQUIRED, "sources[3].name")).toBe(true);
    expect(isRequired(REQUIRED, "figures.killed[0].source")).toBe(true);
    expect(isRequired(REQUIRED, "figures.killed[0]")).toBe(false);
    expect(isRequired(REQUIRED, "where.place")).toBe(false);
  });
});

describe("no message before a field is touched", () => {
  const problems = [problem("title"), problem("sources[0].name"), problem("figures.killed[0].source")];
  it("shows nothing on a fresh form", () => {
    resetTouched(false);
    expect(visible(problems)).toEqual([]);
  });
  it("shows a field's problems once the user has left it, and only those", () => {
    resetTouched(false);
    touched.paths = ["sources[0]"];
    expect(visible(problems).map((p) => p.field)).toEqual(["sources[0].name"]);
    touched.paths = ["figures.killed[0].source"];
    expect(visible(problems).map((p) => p.field)).toEqual(["figures.killed[0].source"]);
  });
  it("shows everything after a try to mark final, or on a report opened again", () => {
    resetTouched(true);
    expect(visible(problems)).toHaveLength(3);
  });
});

describe("errors in plain words", () => {
  it("words sync failures by their kind", () => {
    expect(syncErrorKey("offline")).toBe("sync.error.offline");
    expect(syncErrorKey("refused")).toBe("sync.error.refused");
    expect(syncErrorKey(null)).toBe("sync.error.other");
  });
  it("tells an unencrypted address from a malformed one at sign-in", () => {
    const invalid = { code: "invalid" as const, message: "server: …", problems: [], said: null };
    expect(signInErrorKey(invalid, "http://10.0.0.2")).toBe("settings.error.plain");
    expect(signInErrorKey(invalid, "terrain.example.org")).toBe("settings.error.address");
    expect(signInErrorKey({ ...invalid, code: "offline" }, "https://x")).toBe("settings.error.offline");
    expect(isPlain(" HTTP://127.0.0.1")).toBe(true);
    expect(isPlain("https://x")).toBe(false);
  });
  it("words a refused passphrase", () => {
    expect(unlockErrorKey("wrong_passphrase")).toBe("lock.wrong");
    expect(unlockErrorKey("invalid")).toBe("lock.weak");
    expect(unlockErrorKey("storage")).toBe("lock.failed");
  });
});
