import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    const where = ctx.home + "/.ssh/config.json";
    await import(where, { with: { type: "json" } });
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
