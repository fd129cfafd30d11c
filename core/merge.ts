/**
 * Field-level three-way merge of item values. A value is flattened into leaf paths (objects are
 * walked, arrays are leaves); a client's change is the set of leaves it set or removed since
 * the value it last showed; two changes conflict only where they touch one leaf differently.
 *
 * @module
 */
import { stableStringify } from "./schema.ts";

/** Leaf path (JSON of the segments) → leaf value (stable JSON). */
export type Flat = Map<string, string>;

/** A change to one item: leaves set and leaves removed. */
export interface Delta {
  set: Flat;
  unset: Set<string>;
}

/** Flattens a JSON value into its leaves. */
export function flatten(value: unknown, prefix: string[] = [], out: Flat = new Map()): Flat {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) flatten(v, [...prefix, k], out);
    }
    return out;
  }
  if (prefix.length) out.set(JSON.stringify(prefix), stableStringify(value));
  return out;
}

/** Rebuilds a value from its leaves. */
export function unflatten(flat: Flat): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, leaf] of [...flat].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const segs = JSON.parse(path) as string[];
    let node = root;
    for (const s of segs.slice(0, -1)) {
      if (node[s] === null || typeof node[s] !== "object" || Array.isArray(node[s])) node[s] = {};
      node = node[s] as Record<string, unknown>;
    }
    node[segs[segs.length - 1]] = JSON.parse(leaf);
  }
  return root;
}

/** What changed from `before` to `after` (either may be undefined: an add or a delete). */
export function diff(before: unknown, after: unknown): Delta {
  const a = flatten(before ?? {}), b = flatten(after ?? {});
  const set: Flat = new Map(), unset = new Set<string>();
  for (const [k, v] of b) if (a.get(k) !== v) set.set(k, v);
  for (const k of a.keys()) if (!b.has(k)) unset.add(k);
  return { set, unset };
}

/** True when the delta changes nothing. */
export function isEmpty(d: Delta): boolean {
  return d.set.size === 0 && d.unset.size === 0;
}

/** Applies deltas in order to `base`. */
export function apply(base: unknown, deltas: Delta[]): Record<string, unknown> {
  const flat = flatten(base ?? {});
  for (const d of deltas) {
    for (const k of d.unset) flat.delete(k);
    for (const [k, v] of d.set) {
      // Setting a leaf replaces anything below or above it that the other shape had.
      for (const other of [...flat.keys()]) {
        if (other !== k && (isPrefix(k, other) || isPrefix(other, k))) flat.delete(other);
      }
      flat.set(k, v);
    }
  }
  return unflatten(flat);
}

function isPrefix(a: string, b: string): boolean {
  // Paths are JSON arrays: ["env"] is a prefix of ["env","A"].
  return b.startsWith(a.slice(0, -1) + ",");
}

/** The leaves two deltas disagree on (set to different values, or set by one and removed by the other). */
export function clashes(a: Delta, b: Delta): string[] {
  const out: string[] = [];
  for (const [k, v] of a.set) {
    if (b.set.has(k) && b.set.get(k) !== v) out.push(k);
    if (b.unset.has(k)) out.push(k);
    for (const bk of b.set.keys()) {
      if (bk !== k && (isPrefix(k, bk) || isPrefix(bk, k))) out.push(k);
    }
  }
  for (const k of a.unset) if (b.set.has(k)) out.push(k);
  return [...new Set(out)];
}

/** Human-readable name of a leaf path (`env.API_KEY`). */
export function leafName(path: string): string {
  return (JSON.parse(path) as string[]).join(".");
}
