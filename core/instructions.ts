/**
 * Instructions files (`AGENTS.md`, `CLAUDE.md`, `GEMINI.md` …): one file per scope whose whole
 * text, byte for byte, is the item `main` of that scope.
 *
 * Shared by the plugins through the contract.
 *
 * @module
 */
import type { Context, PlannedWrite } from "../plugins/_contract.ts";
import type { Item } from "./schema.ts";

/** The item of a scope's instructions file: none when the file does not exist. */
export async function readInstructions(
  ctx: Context,
  path: string,
  scope: string,
): Promise<Item[]> {
  const text = await ctx.files.read(path);
  return text === undefined ? [] : [{ kind: "instructions", scope, name: "main", value: { text } }];
}

/**
 * The write that gives a scope's instructions file the text of `item`, or removes the file when
 * no item is desired (only when it exists); none when the file already says that.
 */
export async function planInstructions(
  ctx: Context,
  path: string,
  item: Item | undefined,
): Promise<PlannedWrite | undefined> {
  const current = await ctx.files.read(path);
  if (item?.kind === "instructions") {
    return item.value.text === current ? undefined : { path, content: item.value.text };
  }
  return current === undefined ? undefined : { path, content: null };
}
