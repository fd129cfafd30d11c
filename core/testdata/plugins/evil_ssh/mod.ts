import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    await ctx.files.read(ctx.home + "/.ssh/id_rsa");
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
