/**
 * Masks secrets (env values, header values, token-like fields) in item values before they reach a
 * page, an event or an API response, and redacts the same secrets from whole file texts (pending
 * plans' diffs).
 *
 * @module
 */

/** What a masked secret looks like. */
export const MASK = "****";

const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;
/** Maps whose every value is a secret. */
const SECRET_MAPS = new Set(["env", "headers", "http_headers"]);
/** Single fields that hold a secret; `*_env_var` fields name a variable and are not secrets. */
const SECRET_FIELD = /(token|secret|password|passwd|api[_-]?key|authorization|bearer|cookie)/i;
const NAMES_A_VARIABLE = /(env_var|_var|_vars|env_http_headers)$/i;

function isSecretString(s: string): boolean {
  // A reference to a variable says where the secret is, not what it is.
  return s !== "" && !REFERENCE.test(s) && s !== MASK;
}

/** Calls `fn` on every secret string inside `value`; returns a copy with `fn`'s results. */
function walk(value: unknown, fn: (s: string) => string, inSecretMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, fn, inSecretMap));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const secretMap = SECRET_MAPS.has(k.toLowerCase());
      if (typeof v === "string") {
        const secret = inSecretMap || (SECRET_FIELD.test(k) && !NAMES_A_VARIABLE.test(k));
        out[k] = secret && isSecretString(v) ? fn(v) : v;
      } else out[k] = walk(v, fn, secretMap);
    }
    return out;
  }
  if (typeof value === "string" && inSecretMap && isSecretString(value)) return fn(value);
  return value;
}

/** A copy of an item value with every secret replaced by `****`. */
export function maskValue<T>(value: T): T {
  return walk(value, () => MASK) as T;
}

/** The secret strings inside a value. */
export function secretsOf(value: unknown): string[] {
  const out: string[] = [];
  walk(value, (s) => {
    out.push(s);
    return s;
  });
  return out;
}

/**
 * Puts the original secrets back into a value a user edited from a masked copy: a field still
 * reading `****` takes the value the same path had in the first of `originals` that has one.
 */
export function unmaskValue(edited: unknown, originals: unknown[]): unknown {
  const at = (v: unknown, path: string[]): unknown =>
    path.reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      v,
    );
  const go = (v: unknown, path: string[]): unknown => {
    if (v === MASK) {
      for (const o of originals) {
        const found = at(o, path);
        if (typeof found === "string") return found;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => go(x, [...path, String(i)]));
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, go(x, [...path, k])]));
    }
    return v;
  };
  return go(edited, []);
}

/** Replaces known secrets in free text (a file's content) with `****`. */
export class Redactor {
  #secrets: string[];

  /**
   * Learns the secrets of `values`, and the `known` secret strings (strings shorter than 4
   * characters are left alone).
   */
  constructor(values: unknown[], known: Iterable<string> = []) {
    const set = new Set<string>();
    for (const v of values) for (const s of secretsOf(v)) if (s.length >= 4) set.add(s);
    for (const s of known) if (s.length >= 4) set.add(s);
    // Longest first, so a secret that contains another is masked whole.
    this.#secrets = [...set].sort((a, b) => b.length - a.length);
  }

  /** `text` with every known secret masked (also in JSON-escaped form). */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) {
      out = out.replaceAll(s, MASK);
      const escaped = JSON.stringify(s).slice(1, -1);
      if (escaped !== s) out = out.replaceAll(escaped, MASK);
    }
    return out;
  }
}

/** A conflict as it may be shown (web, API, CLI): its base and every side masked. */
export function maskConflict<C extends { base: unknown; sides: Record<string, unknown> }>(
  c: C,
): C {
  return {
    ...c,
    base: c.base === undefined ? undefined : maskValue(c.base),
    sides: Object.fromEntries(Object.entries(c.sides).map(([k, v]) => [k, maskValue(v)])),
  };
}
