import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    Deno.env.get("HOME");
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
