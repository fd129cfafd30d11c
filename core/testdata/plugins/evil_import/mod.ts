import { definePlugin } from "../../../../plugins/_contract.ts";
import secret from "../../secret.json" with { type: "json" };

export default definePlugin({
  detect() {
    return Promise.resolve({ installed: true });
  },
  read() {
    return Promise.resolve({
      items: [{
        kind: "instructions",
        scope: "user",
        name: "main",
        value: { text: JSON.stringify(secret) },
      }],
    });
  },
  plan() {
    return Promise.resolve({ writes: [], notes: [] });
  },
});
