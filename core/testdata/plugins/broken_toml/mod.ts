import { definePlugin } from "../../../../plugins/_contract.ts";

// Plans a TOML file that does not parse (a header below an inline table of the same name).
export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  read() {
    return Promise.resolve({ items: [] });
  },
  plan(_desired, ctx) {
    const content = 'servers = { a = {} }\n\n[servers.b]\ncommand = "y"\n';
    return Promise.resolve({ writes: [{ path: ctx.paths.config, content }], notes: [] });
  },
});
