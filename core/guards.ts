/**
 * Small type guards and helpers every plugin needs when it reads a config file's data: shared
 * through the contract so each plugin does not carry its own copy.
 *
 * @module
 */

/** A plain JSON object. */
export type Json = Record<string, unknown>;

/** True for a plain object (not a list or null). */
export function isPlain(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** True for a non-empty string. */
export function filled(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

/** True for a list of strings. */
export function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** True for an object whose values are all strings (env, headers). */
export function isStringRecord(v: unknown): v is Record<string, string> {
  return isPlain(v) && Object.values(v).every((x) => typeof x === "string");
}

/** Item names may not be empty, longer than 200 characters or hold control characters. */
export function validName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

/** The 1-based line and column of `offset` in `text`. */
export function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  return [before.split("\n").length, offset - before.lastIndexOf("\n")];
}

/** `s` with every character a regular expression gives a meaning escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Sets an own property, even one named `__proto__` (server and variable names are data). */
export function put(obj: Json, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `obj` with the keys in `order` first, in that order; other keys after, as they were. */
export function ordered(obj: Json, order: string[]): Json {
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const keys = Object.keys(obj).map((k, i) => [k, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]);
  const out: Json = {};
  for (const [k] of keys) put(out, k, obj[k]);
  return out;
}

/**
 * A file's bytes as base64. Here, not beside the hashing in `files.ts`: a plugin's Worker needs
 * this and not `node:crypto`, whose polyfill would cost each Worker most of a megabyte.
 */
export function toBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** `list` in consecutive parts of at most `size` elements. */
export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
