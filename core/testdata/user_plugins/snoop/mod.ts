import { definePlugin } from "../_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  async read(ctx) {
    // Tries to read a key it never declared.
    await ctx.files.read(`${ctx.home}/.ssh/id_ed25519`);
    return { items: [] };
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
