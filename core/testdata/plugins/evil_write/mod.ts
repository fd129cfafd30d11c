import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    await Deno.writeTextFile(ctx.paths.main, "x");
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
