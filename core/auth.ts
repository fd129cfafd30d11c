/**
 * Users, sessions and API tokens for the web service: argon2id password hashes (hash-wasm), opaque
 * random tokens stored only as SHA-256 digests, a one-time setup token for the first user, and a
 * limiter for failed logins.
 *
 * @module
 */
import { argon2id, argon2Verify } from "hash-wasm";
import { and, eq, gt, lt } from "drizzle-orm";
import type { Store } from "../db/mod.ts";
import { schema } from "../db/mod.ts";

const { users, sessions } = schema;

/** A signed-in user as the routes see it. */
export interface Principal {
  userId: number;
  name: string;
  kind: "cookie" | "bearer";
  /** The CSRF token of a browser session (empty for bearer tokens, which need none). */
  csrf: string;
  expiresAt: number;
}

/** An issued session or token: the secret goes to the client once and is never stored. */
export interface Issued {
  token: string;
  csrf: string;
  expiresAt: number;
}

/** Options of {@linkcode Auth}. */
export interface AuthOptions {
  /** Lifetime of a browser session in ms (default 12 h). */
  sessionTtlMs?: number;
  /** Lifetime of an API access token in ms (default 1 h). */
  tokenTtlMs?: number;
  /** argon2id memory in KiB (default 19456, OWASP's minimum for argon2id). */
  memoryKiB?: number;
}

/** Usernames: what a person types, no spaces or control characters. */
export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
/** The shortest password accepted. */
export const MIN_PASSWORD = 8;

function encodeHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function randomToken(bytes = 32): string {
  return encodeHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function sha256(text: string): Promise<string> {
  const buf = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeHex(new Uint8Array(buf));
}

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Users, sessions, tokens and the first-run setup token over aisync's store. */
export class Auth {
  readonly store: Store;
  readonly sessionTtlMs: number;
  readonly tokenTtlMs: number;
  #memory: number;
  #setupToken: string | undefined;
  /** A hash to verify against when the user does not exist, so timing does not tell. */
  #dummy: Promise<string> | undefined;

  constructor(store: Store, options: AuthOptions = {}) {
    this.store = store;
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 3600_000;
    this.tokenTtlMs = options.tokenTtlMs ?? 3600_000;
    this.#memory = options.memoryKiB ?? 19456;
  }

  /** Hashes a password with argon2id (PHC string). */
  async hashPassword(password: string): Promise<string> {
    return await argon2id({
      password,
      salt: crypto.getRandomValues(new Uint8Array(16)),
      parallelism: 1,
      iterations: 2,
      memorySize: this.#memory,
      hashLength: 32,
      outputType: "encoded",
    });
  }

  /** True once at least one user exists. */
  async hasUsers(): Promise<boolean> {
    const rows = await this.store.db.select({ id: users.id }).from(users).limit(1);
    return rows.length > 0;
  }

  /** Every user's name. */
  async userNames(): Promise<string[]> {
    const rows = await this.store.db.select({ name: users.name }).from(users);
    return rows.map((r) => r.name);
  }

  /** A user's id by name. */
  async lookupUser(name: string): Promise<{ userId: number } | undefined> {
    const [row] = await this.store.db.select({ id: users.id }).from(users).where(
      eq(users.name, name),
    );
    return row ? { userId: row.id } : undefined;
  }

  /** Creates a user; throws on a taken name, a bad name or a short password. */
  async addUser(name: string, password: string): Promise<number> {
    if (!USERNAME.test(name)) {
      throw new TypeError(
        `Cannot add user "${name}": use 1 to 64 letters, digits, ".", "_", "@" or "-"`,
      );
    }
    if (password.length < MIN_PASSWORD) {
      throw new RangeError(
        `Cannot add user "${name}": the password needs at least ${MIN_PASSWORD} characters`,
      );
    }
    const existing = await this.store.db.select({ id: users.id }).from(users).where(
      eq(users.name, name),
    );
    if (existing.length) throw new Error(`Cannot add user "${name}": the name is taken`);
    const [row] = await this.store.db.insert(users).values({
      name,
      hash: await this.hashPassword(password),
      createdAt: Date.now(),
    }).returning({ id: users.id });
    // A user now exists: the first-run door closes.
    this.#setupToken = undefined;
    return row.id;
  }

  /** The user id for a correct name and password, else undefined. */
  async verify(name: string, password: string): Promise<number | undefined> {
    const [row] = await this.store.db.select().from(users).where(eq(users.name, name));
    if (!row) {
      this.#dummy ??= this.hashPassword("not a real password");
      await argon2Verify({ password, hash: await this.#dummy });
      return undefined;
    }
    return (await argon2Verify({ password, hash: row.hash })) ? row.id : undefined;
  }

  /** Issues a browser session (with its CSRF token) or an API bearer token. */
  async issue(userId: number, kind: "cookie" | "bearer"): Promise<Issued> {
    const token = randomToken();
    const csrf = kind === "cookie" ? randomToken(24) : "";
    const now = Date.now();
    const expiresAt = now + (kind === "cookie" ? this.sessionTtlMs : this.tokenTtlMs);
    await this.store.db.insert(sessions).values({
      id: await sha256(token),
      userId,
      kind,
      csrf,
      createdAt: now,
      expiresAt,
    });
    // Expired rows are of no use to anyone; drop them as we go.
    await this.store.db.delete(sessions).where(lt(sessions.expiresAt, now));
    return { token, csrf, expiresAt };
  }

  /** The principal a token stands for, when it exists, is of `kind` and has not expired. */
  async lookup(token: string, kind: "cookie" | "bearer"): Promise<Principal | undefined> {
    if (!token || token.length > 200) return undefined;
    const rows = await this.store.db.select({
      userId: sessions.userId,
      kind: sessions.kind,
      csrf: sessions.csrf,
      expiresAt: sessions.expiresAt,
      name: users.name,
    }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(
      and(
        eq(sessions.id, await sha256(token)),
        eq(sessions.kind, kind),
        gt(sessions.expiresAt, Date.now()),
      ),
    );
    const r = rows[0];
    return r ? { ...r, kind: r.kind as Principal["kind"] } : undefined;
  }

  /** Ends a session or revokes a token. */
  async revoke(token: string): Promise<void> {
    await this.store.db.delete(sessions).where(eq(sessions.id, await sha256(token)));
  }

  /**
   * The one-time setup token while no user exists (made on first call, printed by `serve`);
   * undefined once a user exists.
   */
  async setupToken(): Promise<string | undefined> {
    if (await this.hasUsers()) return undefined;
    this.#setupToken ??= randomToken(16);
    return this.#setupToken;
  }

  /** Creates the first user when `token` is the setup token; the token is then spent. */
  async setup(token: string, name: string, password: string): Promise<number> {
    const expected = await this.setupToken();
    if (!expected || !safeEqual(token.trim(), expected)) {
      throw new SetupTokenError("Cannot set up aisync: the setup token is wrong or spent");
    }
    return await this.addUser(name, password);
  }
}

/** The setup token given was wrong or already used. */
export class SetupTokenError extends Error {
  override name = "SetupTokenError";
}

/**
 * Counts failed attempts per key in a sliding window; `blocked` says how many ms to wait. Kept in
 * memory: a restart forgets, which only helps someone who can already restart the service.
 */
export class RateLimiter {
  #max: number;
  #windowMs: number;
  #fails = new Map<string, number[]>();

  constructor(max = 5, windowMs = 60_000) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#fails.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (list.length) this.#fails.set(key, list);
    else this.#fails.delete(key);
    return list;
  }

  /** Milliseconds until `key` may try again (0 when it may now). */
  blocked(key: string, now = Date.now()): number {
    const list = this.#recent(key, now);
    if (list.length < this.#max) return 0;
    return Math.max(1, list[list.length - this.#max] + this.#windowMs - now);
  }

  /** Records a failure. */
  fail(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    this.#fails.set(key, list);
    // Bound the memory a flood of distinct keys can take.
    if (this.#fails.size > 10_000) this.#fails.delete(this.#fails.keys().next().value!);
  }

  /** Forgets a key's failures (after a success). */
  reset(key: string): void {
    this.#fails.delete(key);
  }
}
