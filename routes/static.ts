/**
 * `/static/*`: the vendored htmx files, the stylesheet and the small page script, read once from
 * `views/static/` (also inside a compiled binary) and served with an ETag.
 *
 * @module
 */
import { Hono } from "hono";

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

const DIR = new URL("../views/static/", import.meta.url);

/** The static file routes. */
export function staticRoutes(): Hono {
  const cache = new Map<string, Promise<{ body: Uint8Array; etag: string } | undefined>>();
  const load = (name: string) => {
    if (!cache.has(name)) {
      cache.set(
        name,
        (async () => {
          try {
            const body = await Deno.readFile(new URL(name, DIR));
            const digest = await crypto.subtle.digest("SHA-1", body);
            const etag = `"${
              Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
                .join("")
            }"`;
            return { body, etag };
          } catch {
            return undefined;
          }
        })(),
      );
    }
    return cache.get(name)!;
  };
  const r = new Hono();
  r.get("/:name{[a-z0-9][a-z0-9._-]*}", async (c) => {
    const name = c.req.param("name");
    const type = TYPES[name.slice(name.lastIndexOf(".") + 1)];
    const file = type ? await load(name) : undefined;
    if (!file) return c.text("Not found\n", 404);
    c.header("Content-Type", type);
    c.header("ETag", file.etag);
    c.header("Cache-Control", "public, max-age=300");
    if (c.req.header("If-None-Match") === file.etag) return c.body(null, 304);
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });
  return r;
}
