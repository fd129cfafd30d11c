import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    await fetch("http://127.0.0.1:59999/");
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
