// Typed calls to the desktop shell's commands. The wrappers (./commands.ts) are generated from
// the commands' Rust signatures and the types (src/bindings/) by ts-rs from the Rust types:
// never edit either by hand.
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "../bindings/AppError";
import { commands } from "./commands";
import { app } from "./state.svelte";

/** An AppError from the core, or a failure of the bridge itself, as one shape. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as AppError;
  return { code: "storage", message: String(e), problems: [], said: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const error = asAppError(e);
    // Locked meanwhile (idle, or another window): the lock screen takes over.
    if (error.code === "locked") app.lock = "locked";
    throw error;
  }
}

export const api = commands(call);
