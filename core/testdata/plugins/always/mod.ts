import { definePlugin } from "../../../../plugins/_contract.ts";

// Plans its file on every call, even when it would not change a byte.
export default definePlugin({
  async detect(ctx) {
    return { installed: (await ctx.files.read(ctx.paths.main)) !== undefined };
  },
  async read(ctx) {
    const text = await ctx.files.read(ctx.paths.main);
    return {
      items: text === undefined
        ? []
        : [{ kind: "instructions", scope: "user", name: "main", value: { text } }],
    };
  },
  plan(desired, ctx) {
    const item = desired.items.find((i) => i.kind === "instructions" && i.scope === "user");
    const text = item?.kind === "instructions" ? item.value.text : null;
    return Promise.resolve({ writes: [{ path: ctx.paths.main, content: text }], notes: [] });
  },
});
