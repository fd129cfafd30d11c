/**
 * The canonical model's plain helpers: item keys, stable comparison, and a check that a value is
 * a valid item. No zod here: this module runs in every plugin's sandboxed Worker, where loading
 * zod would cost each Worker about 5 MB. `core/schema.ts` is the model's definition (zod, used
 * by the host to validate whatever a plugin returns); {@linkcode itemProblem} mirrors it, and a
 * property test keeps the two in agreement.
 *
 * @module
 */
import type { Item, Kind } from "./schema.ts";

/** The version of the plugin contract; the host refuses plugins that declare another. */
export const CONTRACT_VERSION = 1;

/** The kinds of item aisync keeps in step. */
export const KINDS = ["mcp", "instructions", "command", "subagent", "skill"] as const;

/** The stable identity of an item: `kind:scope:name`. */
export function itemKey(item: Pick<Item, "kind" | "scope" | "name">): string {
  return `${item.kind}:${item.scope}:${item.name}`;
}

/** Splits an item key back into its parts. */
export function parseItemKey(key: string): { kind: Kind; scope: string; name: string } {
  const kind = key.slice(0, key.indexOf(":")) as Kind;
  const rest = key.slice(kind.length + 1);
  // A project scope is an absolute path and a name may hold ":" (`git:commit`) but no "/":
  // the scope ends at the first ":" after the path's last "/".
  const cut = rest.startsWith("user:") ? 4 : rest.indexOf(":", rest.lastIndexOf("/"));
  return { kind, scope: rest.slice(0, cut), name: rest.slice(cut + 1) };
}

/** Serialises a value with sorted keys so equal values compare equal as strings. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** True when two JSON values are equal, ignoring key order and `undefined` members. */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/** True when `item` is a valid canonical item (what the host accepts from a plugin). */
export function validItem(item: unknown): item is Item {
  return itemProblem(item) === undefined;
}

/**
 * Why `item` is not a valid canonical item (`"value.url: …"`), or `undefined` when it is.
 * Mirrors `Item` in `core/schema.ts`.
 */
export function itemProblem(item: unknown): string | undefined {
  try {
    checkItem(item);
    return undefined;
  } catch (e) {
    if (e instanceof Problem) return e.message;
    throw e;
  }
}

class Problem extends Error {}

type Check = (v: unknown, at: string) => void;

function fail(at: string, message: string): never {
  throw new Problem(at ? `${at}: ${message}` : message);
}

// zod's notion of a plain object: arrays, class instances and the like are not.
function plain(v: unknown, at: string): Record<string, unknown> {
  if (v === null || typeof v !== "object") fail(at, "expected an object");
  const proto = Object.getPrototypeOf(v);
  if (proto !== null && proto !== Object.prototype) fail(at, "expected an object");
  return v as Record<string, unknown>;
}

const str: Check = (v, at) => {
  if (typeof v !== "string") fail(at, "expected a string");
};
const bool: Check = (v, at) => {
  if (typeof v !== "boolean") fail(at, "expected a boolean");
};
const num: Check = (v, at) => {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(at, "expected a number");
};
const nonNegative: Check = (v, at) => {
  num(v, at);
  if ((v as number) < 0) fail(at, "must be 0 or more");
};
const int: Check = (v, at) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(at, "expected an integer");
};
const strings: Check = (v, at) => {
  if (!Array.isArray(v)) fail(at, "expected a list");
  (v as unknown[]).forEach((x, i) => str(x, `${at}.${i}`));
};
const record = (of: Check): Check => (v, at) => {
  for (const [k, x] of Object.entries(plain(v, at))) of(x, `${at}.${k}`);
};
const anything: Check = () => {};

/** An object with exactly these keys (each optional unless listed in `required`). */
function object(shape: Record<string, Check>, required: string[] = []): Check {
  return (v, at) => {
    const o = plain(v, at);
    for (const k of required) if (o[k] === undefined) fail(at ? `${at}.${k}` : k, "required");
    for (const [k, x] of Object.entries(o)) {
      const where = at ? `${at}.${k}` : k;
      if (!(k in shape) || !Object.hasOwn(shape, k)) fail(where, "unknown key");
      if (x !== undefined) shape[k](x, where);
    }
  };
}

const extras = record(record(anything));

const mcp = object({
  transport: (v, at) => {
    if (v !== "stdio" && v !== "http" && v !== "sse") fail(at, 'expected "stdio", "http" or "sse"');
  },
  command: str,
  args: strings,
  env: record(str),
  cwd: str,
  url: str,
  headers: record(str),
  enabled: bool,
  startupTimeoutMs: nonNegative,
  toolTimeoutMs: nonNegative,
  tools: object({ allow: strings, deny: strings }),
  oauth: object({
    clientId: str,
    callbackPort: int,
    scopes: strings,
    authServerMetadataUrl: str,
    resource: str,
  }),
  extras,
}, ["transport"]);

const VALUES: Record<Kind, Check> = {
  mcp: (v, at) => {
    mcp(v, at);
    const s = v as { transport: string; command?: string; url?: string };
    if (s.transport === "stdio" && !s.command) {
      fail(`${at}.command`, "a stdio server needs a command");
    }
    if (s.transport !== "stdio" && !s.url) {
      fail(`${at}.url`, `an ${s.transport} server needs a url`);
    }
  },
  instructions: object({ text: str, extras }, ["text"]),
  command: object({ description: str, argumentHint: str, body: str, extras }, ["body"]),
  subagent: object(
    { description: str, tools: strings, model: str, body: str, extras },
    ["body"],
  ),
  skill: (v, at) => {
    object({ files: record(object({ base64: str, mode: int }, ["base64"])), extras }, ["files"])(
      v,
      at,
    );
    if (!("SKILL.md" in (v as { files: object }).files)) fail(at, "a skill needs a SKILL.md");
  },
};

function checkItem(item: unknown) {
  const o = plain(item, "");
  if (!(KINDS as readonly unknown[]).includes(o.kind)) fail("kind", "unknown kind");
  object({ kind: anything, scope: str, name: str, value: anything }, [
    "kind",
    "scope",
    "name",
    "value",
  ])(o, "");
  if (!/^(user|project:\/.*|project:[A-Za-z]:\\.*)$/.test(o.scope as string)) {
    fail("scope", 'scope must be "user" or "project:<absolute path>"');
  }
  const name = o.name as string;
  if (name.length < 1 || name.length > 200) fail("name", "must be 1 to 200 characters");
  if ([...name].some((ch) => ch.charCodeAt(0) < 32)) {
    fail("name", "name must not contain control characters");
  }
  VALUES[o.kind as Kind](o.value, "value");
}
