import { definePlugin } from "../_contract.ts";

export default definePlugin({
  async detect(ctx) {
    return { installed: (await ctx.files.read(ctx.paths.notes)) !== undefined };
  },
  async read(ctx) {
    const text = await ctx.files.read(ctx.paths.notes);
    return {
      items: text === undefined
        ? []
        : [{ kind: "instructions", scope: "user", name: "main", value: { text } }],
    };
  },
  async plan(desired, ctx) {
    const item = desired.items.find((i) => i.kind === "instructions" && i.scope === "user");
    const text = item?.kind === "instructions" ? item.value.text : null;
    const cur = (await ctx.files.read(ctx.paths.notes)) ?? null;
    return { writes: text === cur ? [] : [{ path: ctx.paths.notes, content: text }], notes: [] };
  },
});
