/**
 * The sync engine: read every client → find what each changed since its last view → three-way
 * merge into the base (conflicts recorded, never resolved silently) → plan per client → check
 * shared files → back up, compare-and-swap, write atomically → record the new base and views.
 *
 * @module
 */
import { existsSync } from "node:fs";
import pLimit from "p-limit";
import type { Bus } from "./bus.ts";
import {
  contentBytes,
  guardedWrite,
  hashBytes,
  hashContent,
  readCurrent,
  sha256,
  StaleFileError,
  writeRefusal,
} from "./files.ts";
import type { Host } from "./host.ts";
import { idleCollector } from "./idle_gc.ts";
import { apply, clashes, type Delta, diff, isEmpty, leafName } from "./merge.ts";
import {
  type Item,
  itemKey,
  McpServer,
  type Note,
  parseItemKey,
  stableStringify,
} from "./schema.ts";
import type { BaseItem, State } from "./state.ts";
import type { PlanResult, ReadError, ReadResult } from "../plugins/_contract.ts";

/** Options of one sync. */
export interface SyncOptions {
  /** Plan and report, write nothing. */
  dryRun?: boolean;
  /** On a conflict, take this client's value. */
  prefer?: string;
  /** What started the sync (for events): `cli`, `watch`, `web` … */
  trigger?: string;
  /** Clients in ask-first mode whose pending writes the user approved for this run. */
  approve?: string[];
}

/** One planned or done file write. */
export interface WriteReport {
  path: string;
  clients: string[];
  /** The current content (text, or base64 when `encoding` says so), for diffs. */
  before?: string;
  after: string | null;
  /** `base64` when `after` is bytes that are not text. */
  encoding?: "base64";
  /** The mode a new file gets. */
  mode?: number;
  backupId?: number;
}

/** What a sync found and did. */
export interface SyncReport {
  clients: Record<string, {
    /** `kept`: it only receives, and keeps changes made there (its notes name them). */
    state: "ok" | "error" | "conflict" | "lossy" | "kept" | "disabled" | "absent" | "pending";
    errors: string[];
    notes: Note[];
    writes: string[];
  }>;
  changes: { key: string; clients: string[]; action: "add" | "change" | "delete" }[];
  conflicts: { key: string; clients: string[]; id?: number; fields: string[] }[];
  writes: WriteReport[];
  errors: string[];
  /** Writes held back for clients in ask-first mode. */
  pending: WriteReport[];
}

interface Change {
  client: string;
  action: "add" | "change" | "delete";
  delta: Delta;
  now?: Item;
}

type ClientRead = {
  items: Map<string, Item>;
  frozen: (item: Pick<Item, "kind" | "scope">) => boolean;
  errors: ReadError[];
  /** Hash of every file under the client's declared paths when it was read (`absent` too). */
  hashes: Map<string, string>;
  /** Project roots the client itself names. */
  projects?: string[];
};

const MAX_ATTEMPTS = 3;

/**
 * A client that stops showing every one of at least this many items of one kind and scope has
 * been emptied (its file deleted or reset), not edited: see {@linkcode emptied}.
 */
const EMPTIED_MIN = 2;

/** Runs syncs over a host's plugins and a state store. */
export class Engine {
  readonly host: Host;
  readonly state: State;
  readonly bus?: Bus;
  #running: Promise<SyncReport> | undefined;
  /** Each client's last read and what it was read from (see `#read`). */
  #lastReads = new Map<string, { context: string; tree: string; read: ClientRead }>();
  #warming: Promise<void> = Promise.resolve();
  /** Clients whose read after this sync's writes was kept (see `#remember`). */
  #remembered = new Set<string>();
  /**
   * How long a client's files must have been still before its deletions are taken (see
   * `#settled`), in milliseconds.
   */
  settleMs = 50;
  /** aisync's own heap holds about 16 MB; after a sync, collect once 2 MB more piled up. */
  #collector = idleCollector(2 * 1024 * 1024);
  /**
   * Plans run in their plugins' Workers at once, as many as there are cores: more would only
   * take turns on the same cores, each Worker holding its plan's garbage meanwhile (a first sync
   * of 500 servers went over 150 MB in a quarter of runs, in one of sixteen with this, and took
   * as long).
   */
  #planning = pLimit(Math.max(2, navigator.hardwareConcurrency));

  constructor(host: Host, state: State, bus?: Bus) {
    this.host = host;
    this.state = state;
    this.bus = bus;
  }

  /** Runs one sync (syncs never overlap: a second caller waits for the running one, then runs). */
  async sync(options: SyncOptions = {}): Promise<SyncReport> {
    while (this.#running) await this.#running.catch(() => {});
    this.#collector.busy();
    this.#running = this.#syncWithRetry(options);
    try {
      return await this.#running;
    } finally {
      this.#running = undefined;
      // Quiet means the background reads after this sync are done too.
      this.#warming.then(() => {
        if (!this.#running) this.#collector.idle();
      });
    }
  }

  /** Resolves once no sync and no background read (see `#warm`) is running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running.catch(() => {});
    await this.#warming;
  }

  /**
   * Reads again, in the background, the clients a sync just wrote, so that the next sync (the
   * next change under `watch`) finds their reads current and asks only the client that changed.
   */
  #warm(ids: string[]): void {
    this.#warming = Promise.all(ids.map((id) => this.#read(id).catch(() => {}))).then(() => {});
  }

  async #syncWithRetry(options: SyncOptions): Promise<SyncReport> {
    await this.#warming;
    this.#remembered.clear();
    const started = performance.now();
    if (options.prefer === undefined) {
      // The preferred client the user chose in the web UI settles conflicts in its favour.
      const p = await this.state.preferredClient();
      if (p && this.host.plugins.some((x) => x.id === p)) {
        options = { ...options, prefer: p };
      }
    }
    // A dry run (status, diff, a plan preview) is not a sync: the dashboard, log and metrics
    // hear only of real ones (a started sync with no client states after it would leave every
    // card on "syncing").
    const bus = options.dryRun ? undefined : this.bus;
    bus?.publish({ type: "sync.started", trigger: options.trigger ?? "cli" });
    await bus?.delivered();
    let report: SyncReport | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        report = await this.#syncOnce(options);
        break;
      } catch (e) {
        // A client wrote one of its files between our read and our write: read again, plan again.
        if (!(e instanceof StaleFileError) || attempt === MAX_ATTEMPTS) {
          // Every started sync ends with "finished" or an engine error, whoever called it.
          bus?.publish({ type: "error", source: "engine", message: (e as Error).message });
          throw e;
        }
      }
    }
    bus?.publish({
      type: "sync.finished",
      changes: report!.changes.length,
      writes: report!.writes.length,
      conflicts: report!.conflicts.length,
      errors: report!.errors.length,
      ms: Math.round(performance.now() - started),
    });
    if (!options.dryRun) {
      // Clients whose read after the writes is known already need no second read.
      this.#warm(
        Object.keys(report!.clients).filter((id) =>
          report!.clients[id].writes.length && !this.#remembered.has(id)
        ),
      );
    }
    return report!;
  }

  /** The projects to sync: registered ones plus those clients name, less removed ones. */
  async #refreshProjects(discovered: Map<string, string>): Promise<boolean> {
    for (const [path, client] of discovered) {
      // A client's file may name a folder long gone (Claude's and Codex's project history).
      if (isDir(path)) await this.state.addProject(path, client);
    }
    const registered = (await this.state.projects()).filter((p) => p.active).map((p) => p.path);
    // A project folder that is missing now (moved, deleted, an unmounted drive) is skipped, not
    // recreated by writing its files.
    const active: string[] = [];
    for (const p of registered) if (isDir(p)) active.push(p);
    const before = this.host.projects.join("\n");
    this.host.setProjects(active);
    return this.host.projects.join("\n") !== before;
  }

  async #readAll(clients: string[], report: SyncReport): Promise<Map<string, ClientRead>> {
    const out = new Map<string, ClientRead>();
    await Promise.all(clients.map(async (id) => {
      try {
        const read = await this.#read(id);
        out.set(id, read);
        for (const e of read.errors) {
          const where = e.line ? `${e.file}:${e.line}:${e.column ?? 1}` : e.file;
          report.clients[id].errors.push(`Cannot read "${where}": ${e.message}`);
        }
      } catch (e) {
        report.clients[id].errors.push((e as Error).message);
        report.clients[id].state = "error";
      }
    }));
    return out;
  }

  /**
   * Reads one client. A client whose files (bytes, modes, folders) and context are exactly
   * those of its last read is not asked again: a plugin's read is a function of those alone (its
   * sandbox lets it see nothing else), so the last result stands. A read during which a file
   * changed (a client still saving) is done again.
   */
  async #read(id: string): Promise<ClientRead> {
    const paths = this.host.allowed(id);
    const context = JSON.stringify(this.host.context(id));
    for (let attempt = 1;; attempt++) {
      const tree = snapshot(paths);
      const last = this.#lastReads.get(id);
      if (last && last.context === context && last.tree === tree.key) {
        return { ...last.read, hashes: tree.hashes };
      }
      this.#lastReads.delete(id);
      // What the compare-and-swap expects: a file that changed after this snapshot is not
      // written over.
      const read = clientRead(await this.host.read(id), tree.hashes);
      if (snapshot(paths).key === tree.key) {
        this.#lastReads.set(id, { context, tree: tree.key, read });
        return read;
      }
      if (attempt === MAX_ATTEMPTS) return read;
    }
  }

  /**
   * Waits until the client's files have been unchanged for `settleMs`, then throws
   * {@linkcode StaleFileError} if they are no longer what it was read from (the sync then reads
   * and plans again). A partly written file that still parses (TOML cut short between
   * tables) fakes deletions, which would take the items from every client, their extras too;
   * other changes it fakes are put right by the next sync, once the file is whole.
   */
  async #settled(id: string, hashes: Map<string, string>): Promise<void> {
    let newest = 0;
    for (const [path, hash] of hashes) {
      // A file removed leaves its folder changed.
      const at = hash === "absent" ? path.slice(0, path.lastIndexOf("/")) || "/" : path;
      try {
        newest = Math.max(newest, Deno.statSync(at).mtime?.getTime() ?? 0);
      } catch { /* gone since: the comparison below sees it */ }
    }
    const wait = newest + this.settleMs - Date.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    const now = snapshot(this.host.allowed(id)).hashes;
    for (const path of new Set([...hashes.keys(), ...now.keys()])) {
      if ((now.get(path) ?? "absent") !== (hashes.get(path) ?? "absent")) {
        throw new StaleFileError(path);
      }
    }
  }

  /**
   * Keeps what a plan was checked against (`back`: the plugin's read of its planned files) as
   * the client's last read, when its files are now exactly those it was read from plus this
   * sync's writes, so the next sync need not ask it again. Only for writes to declared files
   * (whole config and instruction files, read as text): a file inside a declared folder may be
   * read with its mode, which the plan's overlay cannot tell.
   */
  #remember(
    id: string,
    before: ClientRead,
    back: ClientRead,
    writes: WriteReport[],
    written: { path: string; hash: string }[],
  ) {
    const paths = this.host.allowed(id), declared = new Set(paths);
    if (!writes.every((w) => declared.has(w.path))) return;
    const want = new Map(before.hashes);
    for (const w of writes) {
      const h = written.find((x) => x.path === w.path);
      if (!h) return;
      want.set(w.path, h.hash);
    }
    const tree = snapshot(paths);
    for (const path of new Set([...want.keys(), ...tree.hashes.keys()])) {
      // Someone else wrote meanwhile: the next sync reads the client again.
      if ((want.get(path) ?? "absent") !== (tree.hashes.get(path) ?? "absent")) return;
    }
    const context = JSON.stringify(this.host.context(id));
    this.#lastReads.set(id, { context, tree: tree.key, read: { ...back, hashes: tree.hashes } });
    this.#remembered.add(id);
  }

  async #syncOnce(options: SyncOptions): Promise<SyncReport> {
    const ids = this.host.plugins.map((p) => p.id);
    const policies = await this.state.policies(ids);
    // A client that is not on this machine is left out: aisync creates no files for a client
    // the user does not have, and one the user removed deletes nothing elsewhere.
    const enabled = ids.filter((id) => policies.get(id)!.enabled);
    const active = enabled.filter((id) => this.host.present(id));
    const report: SyncReport = {
      clients: {},
      changes: [],
      conflicts: [],
      writes: [],
      errors: [],
      pending: [],
    };
    for (const id of ids) {
      report.clients[id] = {
        state: active.includes(id) ? "ok" : enabled.includes(id) ? "absent" : "disabled",
        errors: [],
        notes: [],
        writes: [],
      };
    }

    await this.#refreshProjects(new Map());
    // The clients' reads go out first (their snapshots are synchronous, so a changed client's
    // Worker is asked before anything else runs); what is stored does not depend on what they
    // say, so it loads while they read.
    const reading = this.#readAll(active, report);
    const stored = Promise.all([
      this.state.base(),
      this.state.views(),
      this.state.openConflicts(),
      this.state.propagatesDeletes(),
      this.state.statuses(),
    ]);
    stored.catch(() => {}); // awaited below; a failure is thrown there
    let reads = await reading;
    const discovered = new Map<string, string>();
    for (const [id, r] of reads) {
      for (const p of r.projects ?? []) {
        if (!discovered.has(p)) discovered.set(p, id);
      }
    }
    if (await this.#refreshProjects(discovered)) {
      for (const id of active) {
        report.clients[id] = { state: "ok", errors: [], notes: [], writes: [] };
      }
      reads = await this.#readAll(active, report);
    }
    const scopes = new Set(["user", ...this.host.projects.map((p) => `project:${p}`)]);

    const [base, views, open, deletes, statuses] = await stored;
    for (const key of [...base.keys()]) {
      if (!scopes.has(base.get(key)!.item.scope)) base.delete(key);
    }

    // A client gets only the kinds its plugin keeps, and of those what its policy allows.
    const declared = new Map(
      this.host.plugins.map((p) => [p.id, new Set<string>(p.manifest.kinds)]),
    );
    const syncs = (id: string, it: Pick<Item, "kind" | "scope">) => {
      const pol = policies.get(id)!;
      if (!declared.get(id)?.has(it.kind) || !pol.kinds.includes(it.kind)) return false;
      if (pol.scopes === "user" && it.scope !== "user") return false;
      if (pol.scopes === "project" && it.scope === "user") return false;
      return true;
    };
    const watched = (id: string, it: Pick<Item, "kind" | "scope">) =>
      reads.has(id) && syncs(id, it) && !reads.get(id)!.frozen(it) && scopes.has(it.scope);

    // 1. What did each client change since its last view?
    const changes = new Map<string, Change[]>();
    const unseen: { client: string; key: string }[] = [];
    // Items held as conflicts before any merge (see below), with each side's value and, for a
    // client out of step, the value both changes started from.
    const crossed = new Map<
      string,
      { sides: Record<string, unknown>; fields: Set<string>; ancestor?: unknown }
    >();
    const cross = (key: string) =>
      crossed.get(key) ?? crossed.set(key, { sides: {}, fields: new Set() }).get(key)!;
    for (const [id, r] of reads) {
      const view = views.get(id) ?? new Map<string, string>();
      const keys = new Set([...r.items.keys(), ...view.keys()]);
      for (const key of keys) {
        const now = r.items.get(key);
        const it = now ?? keyParts(key, base);
        if (!it || !watched(id, it)) continue;
        const last = view.get(key);
        if (last === undefined) {
          if (base.has(key)) unseen.push({ client: id, key });
          else {add(changes, key, {
              client: id,
              action: "add",
              delta: diff(undefined, now!.value),
              now,
            });}
        } else if (!now) {
          add(changes, key, {
            client: id,
            action: "delete",
            delta: diff(JSON.parse(last), undefined),
          });
        } else if (stableOf(r.items, key) !== last) {
          add(changes, key, {
            client: id,
            action: "change",
            delta: diff(JSON.parse(last), now.value),
            now,
          });
        }
      }
    }
    // A client showing an item it never showed before, that the base has: compare it with the
    // base as that client would express it, so what it cannot express is not a change.
    if (unseen.length) {
      const byClient = Map.groupBy(unseen, (u) => u.client);
      for (const [id, list] of byClient) {
        const projected = await this.#project(id, desiredFor(id, base, reads, syncs));
        for (const { key } of list) {
          const now = reads.get(id)!.items.get(key)!;
          const proj = projected?.get(key);
          if (proj && stableStringify(proj.value) === stableStringify(now.value)) {
            // It had dropped it (an emptied file, held as a conflict) and has it back as it was:
            // every side agrees again.
            const c = open.get(key);
            if (c && !options.dryRun && droppedBy(c) === id) {
              await this.state.closeConflict(c.id, "converged");
              open.delete(key);
            }
            continue;
          }
          if (proj && !open.has(key) && policies.get(id)!.direction !== "receive") {
            // There is no common ancestor: it shows the item for the first time (installed
            // again with its own file, a kind or a project newly synced) and with another value.
            // As on a first sync, that is a conflict, unless --prefer names a side (another
            // side than this one: the base stands, and this client is given it).
            if (options.prefer === undefined) {
              const d = diff(proj.value, now.value);
              const c = cross(key);
              c.sides[id] = now.value;
              for (const f of [...d.set.keys(), ...d.unset]) c.fields.add(leafName(f));
            }
            if (options.prefer !== id) continue;
          }
          const change: Change = {
            client: id,
            action: proj ? "change" : "add",
            delta: diff(proj?.value ?? base.get(key)!.item.value, now.value),
            now,
          };
          // It had deleted the item (with deletions off, the others kept it) and the user added
          // it back: a change even when equal to the base, or its plan would delete it again.
          if (base.get(key)!.omit.includes(id)) {
            changes.set(key, [...changes.get(key) ?? [], change]);
          } else add(changes, key, change);
        }
      }
    }

    // A client that only receives sends nothing, but what the user changed there is theirs: it
    // stays as it is there (planned around, its view left as it was so it still shows as changed
    // next time) and is reported, never written over. Sending again sends it.
    const keptBy = new Map<string, Set<string>>();
    for (const [key, list] of changes) {
      const sent = list.filter((c) => {
        if (policies.get(c.client)!.direction !== "receive") return true;
        (keptBy.get(c.client) ?? keptBy.set(c.client, new Set()).get(c.client)!).add(key);
        return false;
      });
      if (sent.length) changes.set(key, sent);
      else changes.delete(key);
    }

    // A client a sync left out of step (off, sending only, failing, waiting for approval) may
    // change an item whose base moved on since it last showed the base: its change was made to
    // an older value. What it showed then is the common ancestor of the two changes; a field
    // changed both ways is a conflict, not a change laid silently over the other.
    const inStepAt = new Map(statuses.map((st) => [st.client, st.inStepAt ?? 0]));
    const behind = new Map<string, { key: string; change: Change }[]>();
    for (const [key, list] of changes) {
      const b = base.get(key);
      if (open.has(key)) continue;
      if (!b) {
        // Deleted from the base since this client last showed it (a client in step would not
        // have it any more): its change against the deletion.
        const changed = list.filter((c) => c.action === "change");
        if (!changed.length) continue;
        const c = cross(key);
        c.fields.add("(deleted)");
        for (const change of changed) {
          c.sides[change.client] = change.now!.value;
          c.ancestor ??= JSON.parse(views.get(change.client)!.get(key)!);
        }
        // Who deleted it: the clients of that sync, or the side a resolve took.
        const last = (await this.state.history(key, 1))[0];
        const by = last?.value === null ? last.source.replace(/^resolve:/, "").split(",") : [];
        for (const id of by.filter((x) => reads.has(x) && !(x in c.sides))) c.sides[id] = null;
        continue;
      }
      for (const change of list) {
        if (change.action === "add" || (b.at ?? 0) <= (inStepAt.get(change.client) ?? 0)) continue;
        behind.set(change.client, [...behind.get(change.client) ?? [], { key, change }]);
      }
    }
    for (const [id, list] of behind) {
      // The base as this client would show it now (what it cannot express left out as usual).
      const shown = await this.#project(id, desiredFor(id, base, reads, syncs));
      for (const { key, change } of list) {
        const last = views.get(id)?.get(key);
        const now = shown?.get(key);
        if (last === undefined || !now) continue;
        const moved = diff(JSON.parse(last), now.value);
        if (isEmpty(moved)) continue;
        const fields = change.action === "delete"
          ? ["(deleted)"]
          : clashes(change.delta, moved).map(leafName);
        if (!fields.length) continue;
        const c = cross(key);
        c.sides[id] = change.now?.value ?? null;
        c.ancestor ??= JSON.parse(last);
        for (const f of fields) c.fields.add(f);
      }
    }
    for (const [key, c] of crossed) {
      // The other side: what every other client shows.
      for (const [id, r] of reads) {
        const it = r.items.get(key);
        if (!(id in c.sides) && it) c.sides[id] = it.value;
      }
    }

    // 2. Merge each changed item into the base.
    const upsert: BaseItem[] = [],
      remove: string[] = [],
      history: { key: string; value: unknown; source: string }[] = [];
    const held = new Set(open.keys());
    // A conflict is recorded and shown, and its item held: nothing is written for it until the
    // user settles it.
    const hold = async (
      key: string,
      sides: Record<string, unknown>,
      fields: string[],
      before: unknown = base.get(key)?.item.value,
    ) => {
      const id = options.dryRun ? undefined : await this.state.openConflict(key, before, sides);
      held.add(key);
      const clients = Object.keys(sides);
      report.conflicts.push({ key, clients, id, fields });
      if (id !== undefined) {
        this.bus?.publish({ type: "conflict.opened", key, clients, conflictId: id });
      }
    };
    for (const [key, c] of crossed) {
      changes.delete(key);
      await hold(key, c.sides, [...c.fields], c.ancestor);
    }
    for (const [key, sides] of deletes ? emptied(reads, views, changes, open, policies) : []) {
      // Deleted everywhere only once the user says so; until then each client keeps its own.
      changes.delete(key);
      await hold(key, sides, []);
    }
    for (const [key, list] of changes) {
      const prev = base.get(key);
      const clients = list.map((c) => c.client);
      const dels = list.filter((c) => c.action === "delete");
      if (dels.length === list.length) {
        if (!prev) continue;
        if (deletes) {
          base.delete(key);
          remove.push(key);
          history.push({ key, value: undefined, source: clients.join(",") });
        } else {
          prev.omit = [...new Set([...prev.omit, ...clients])];
          upsert.push(prev);
        }
        report.changes.push({ key, clients, action: "delete" });
        continue;
      }
      const result = await this.#merge(key, prev, list, reads, base, syncs, options.prefer);
      if ("conflict" in result) {
        const sides: Record<string, unknown> = {};
        for (const c of list) sides[c.client] = c.now?.value ?? null;
        await hold(key, sides, result.conflict);
        continue;
      }
      if (open.has(key) && !options.dryRun) {
        // Every side agrees again (or one side took the other's value): the conflict is over.
        await this.state.closeConflict(open.get(key)!.id, "converged");
        held.delete(key);
      }
      const item = { ...list.find((c) => c.now)!.now!, value: result.value } as Item;
      if (
        prev && stableStringify(prev.item.value) === stableStringify(item.value) &&
        !prev.omit.some((o) => clients.includes(o))
      ) {
        continue;
      }
      const entry = { item, omit: (prev?.omit ?? []).filter((o) => !clients.includes(o)) };
      base.set(key, entry);
      upsert.push(entry);
      history.push({ key, value: item.value, source: clients.join(",") });
      report.changes.push({ key, clients, action: prev ? "change" : "add" });
    }
    for (const key of open.keys()) {
      if (!report.conflicts.some((c) => c.key === key) && held.has(key)) {
        report.conflicts.push({
          key,
          clients: Object.keys(open.get(key)!.sides),
          id: open.get(key)!.id,
          fields: [],
        });
      }
    }

    // 3. Plan every client against the new base; items in conflict stay as each client has them.
    const planned = new Map<
      string,
      { client: string; content: string | null; encoding?: "base64"; mode?: number }[]
    >();
    // Each plugin has its own Worker: plan them all at once.
    const backs = new Map<string, ReadResult>();
    // Notes of the last sync, for clients that need no new plan (only about items still there).
    const lastNotes = new Map(statuses.map((st) => [st.client, st.notes as Note[]]));
    let stale: StaleFileError | undefined;
    const plans = new Map<string, PlanResult | Error | undefined>(
      await Promise.all(active.map(async (id) => {
        const r = reads.get(id);
        if (!r || policies.get(id)!.direction === "send") return [id, undefined] as const;
        try {
          const kept = keptBy.get(id);
          const desired = desiredFor(id, base, reads, syncs, kept ? held.union(kept) : held);
          // A client that already shows exactly what it should needs no plan (a plan of what
          // a plugin read writes nothing: the conformance suite holds every plugin to that).
          if (r && showsExactly(id, desired, r)) {
            const keys = new Set(desired.map(itemKey));
            const notes = (lastNotes.get(id) ?? []).filter((n) => keys.has(n.item));
            const skipped: PlanResult = { writes: [], notes };
            return [id, skipped] as const;
          }
          const { plan, back } = await this.#planning(() => this.host.checkedPlan(id, desired));
          if (!plan.writes.length) return [id, plan] as const;
          if (back) backs.set(id, back);
          else {
            // Every planned file is already as planned: what the client reads back is what we
            // read, if those are the bytes we read (else the client wrote meanwhile).
            for (const w of plan.writes) {
              if (r.hashes.get(w.path) !== await hashContent(w.content, w.encoding)) {
                stale ??= new StaleFileError(w.path);
              }
            }
          }
          const wrong = verifyPlan(id, desired, plan, back ?? asResult(r), r);
          return [id, wrong ? new Error(wrong) : plan] as const;
        } catch (e) {
          return [id, e as Error] as const;
        }
      })),
    );
    if (stale) throw stale;
    for (const id of active) {
      const r = reads.get(id);
      const plan = plans.get(id);
      if (!r || !plan) continue;
      try {
        if (plan instanceof Error) throw plan;
        report.clients[id].notes = [
          ...[...keptBy.get(id) ?? []].map((item) => ({
            item,
            message: "changed here and not sent: this client only receives (its policy)",
          })),
          ...plan.notes,
        ];
        const broken = new Set(r.errors.map((e) => e.file));
        for (const w of plan.writes) {
          if (broken.has(w.path)) continue; // never write over a file that failed to parse
          const cur = r.hashes.get(w.path);
          if (cur !== undefined && cur === (await hashContent(w.content, w.encoding))) continue;
          if (!planned.has(w.path)) planned.set(w.path, []);
          planned.get(w.path)!.push({
            client: id,
            content: w.content,
            encoding: w.encoding,
            mode: w.mode,
          });
        }
      } catch (e) {
        report.clients[id].errors.push((e as Error).message);
        report.clients[id].state = "error";
      }
    }

    // 4. Shared files have one owner: two plugins planning different bytes for one path is an
    // error shown before anything is written.
    const writes: WriteReport[] = [];
    for (const [path, list] of planned) {
      // Compare the bytes, not their spelling (text vs base64 of the same bytes is one content).
      const contents = new Set(
        await Promise.all(
          list.map(async (l) => `${await hashContent(l.content, l.encoding)}:${l.mode ?? ""}`),
        ),
      );
      if (contents.size > 1) {
        report.errors.push(
          `Cannot write "${path}": ${
            list.map((l) => l.client).join(" and ")
          } planned different contents for it`,
        );
        continue;
      }
      const { content, encoding, mode } = list[0];
      writes.push({ path, clients: list.map((l) => l.client), after: content, encoding, mode });
    }
    if (report.errors.length) writes.length = 0;

    // The bytes each file has now: shown as `before`, backed up, and compared with what the
    // plan was made from.
    const currents = new Map(
      await Promise.all(writes.map(async (w) => [w, await readCurrent(w.path)] as const)),
    );
    for (const [w, cur] of currents) w.before = cur.text ?? cur.base64;
    // A file the user made read-only, or another user's, is not written: its clients say why
    // until that changes (see `writeRefusal`).
    for (const [w, cur] of currents) {
      const refusal = writeRefusal(w.path, cur);
      if (!refusal) continue;
      for (const c of w.clients) report.clients[c].errors.push(refusal);
      writes.splice(writes.indexOf(w), 1);
      currents.delete(w);
    }
    const askFirst = (w: WriteReport) =>
      w.clients.some((c) => policies.get(c)!.mode === "ask" && !options.approve?.includes(c));
    report.pending = writes.filter(askFirst);
    const toWrite = options.dryRun ? [] : writes.filter((w) => !askFirst(w));
    report.writes = options.dryRun ? writes.filter((w) => !askFirst(w)) : toWrite;

    if (options.dryRun) {
      this.#finishReport(report, reads, keptBy);
      return report;
    }

    // 5. A client wrote one of these files since we read it: read again, plan again.
    const expected = toWrite.map((w) => reads.get(w.clients[0])!.hashes.get(w.path) ?? "absent");
    await Promise.all(toWrite.map(async (w, i) => {
      const old = currents.get(w)!;
      if ((old.bytes ? await hashBytes(old.bytes) : "absent") !== expected[i]) {
        throw new StaleFileError(w.path);
      }
    }));
    // A client that deleted items may be a writer halfway through (a file truncated, then
    // written again): its files must be as read, and still, before its deletions go anywhere.
    const deleting = new Set(
      report.changes.filter((c) => c.action === "delete").flatMap((c) => c.clients),
    );
    for (const id of deleting) await this.#settled(id, reads.get(id)!.hashes);
    // Record the new base with every old version backed up, in one transaction, before the
    // first file is touched: a crash after it leaves clients that re-converge next time.
    const { backupIds } = await this.state.commit({
      upsert,
      remove,
      history,
      backups: toWrite.map((w) => {
        const old = currents.get(w)!;
        return {
          path: w.path,
          content: old.text ?? old.base64,
          encoding: old.base64 !== undefined ? "base64" as const : undefined,
          mode: old.mode,
          client: w.clients.join(","),
          reason: `sync (${options.trigger ?? "cli"})`,
        };
      }),
    });
    for (const c of report.changes) {
      this.bus?.publish({ type: "item.changed", key: c.key, clients: c.clients, action: c.action });
    }

    // 6. Write: compare-and-swap against the bytes we read, atomic rename. Files are
    // independent (each guarded on its own), so they are written at once.
    const written = new Set<string>();
    const outcomes = await Promise.allSettled(toWrite.map(async (w, i) => {
      w.backupId = backupIds[i];
      const content = w.after === null
        ? null
        : w.encoding
        ? contentBytes(w.after, w.encoding)
        : w.after;
      await guardedWrite(w.path, content, {
        expectHash: expected[i],
        backup: () => Promise.resolve(),
        mode: w.mode,
      });
      return { path: w.path, hash: await hashContent(w.after, w.encoding) };
    }));
    const hashes: { path: string; hash: string }[] = [];
    for (const [i, o] of outcomes.entries()) {
      if (o.status === "rejected") continue;
      const w = toWrite[i];
      hashes.push(o.value);
      for (const c of w.clients) {
        written.add(c);
        report.clients[c].writes.push(w.path);
      }
      this.bus?.publish({
        type: "file.written",
        client: w.clients.join(","),
        path: w.path,
        backupId: w.backupId!,
      });
    }
    const failed = outcomes.flatMap((o) => o.status === "rejected" ? [o.reason as Error] : []);
    if (failed.length) {
      // What was written is still aisync's own echo. A stale file is retried (re-read, re-plan)
      // only when nothing worse went wrong.
      await this.state.setHashes(hashes);
      throw failed.find((e) => !(e instanceof StaleFileError)) ?? failed[0];
    }

    // 7. New views: what each client shows now (re-read after our writes).
    const viewUpdates: { client: string; set: Map<string, string>; remove: string[] }[] = [];
    for (const [id, r0] of reads) {
      let r = r0;
      if (written.has(id)) {
        // What the plan was checked against is what the client now reads, unless some of its
        // writes are still waiting for approval.
        const checked = backs.get(id);
        if (checked && !report.pending.some((w) => w.clients.includes(id))) {
          const back = clientRead(checked, r0.hashes);
          r = { ...r0, items: back.items };
          this.#remember(id, r0, back, toWrite.filter((w) => w.clients.includes(id)), hashes);
        } else {
          try {
            r = { ...r0, items: (await this.#read(id)).items };
          } catch (e) {
            report.clients[id].errors.push((e as Error).message);
            continue;
          }
        }
      }
      const view = views.get(id) ?? new Map<string, string>();
      const set = new Map<string, string>(), rm: string[] = [];
      const kept = keptBy.get(id) ?? new Set();
      for (const [key, item] of r.items) {
        if (!watched(id, item) || kept.has(key)) continue;
        const v = stableOf(r.items, key);
        if (view.get(key) !== v) set.set(key, v);
      }
      for (const key of view.keys()) {
        const it = r.items.get(key) ?? keyParts(key, base);
        if (r.items.has(key) || kept.has(key)) continue;
        if (it && !watched(id, it)) continue;
        rm.push(key);
      }
      viewUpdates.push({ client: id, set, remove: rm });
    }
    for (const id of enabled) {
      // A client that left the machine is forgotten: back again, it is shown what the others
      // have (what it lacks then is not a deletion), as on its first sync.
      const view = views.get(id);
      if (active.includes(id) || !view?.size) continue;
      viewUpdates.push({ client: id, set: new Map(), remove: [...view.keys()] });
      this.#lastReads.delete(id);
    }
    this.#finishReport(report, reads, keptBy);
    await this.state.commit({
      views: viewUpdates,
      hashes,
      statuses: ids.map((id) => {
        const c = report.clients[id];
        return {
          client: id,
          state: c.state,
          notes: c.notes,
          errors: c.errors,
          changed: c.writes.length > 0 || report.changes.some((ch) => ch.clients.includes(id)),
          // (`kept` is not in step either: what it kept differs from the base.)
          inStep: (c.state === "ok" || c.state === "lossy") &&
            policies.get(id)?.direction !== "send",
        };
      }),
    });
    for (const id of ids) {
      const c = report.clients[id];
      this.bus?.publish({
        type: "client.state",
        client: id,
        state: c.state,
        notes: c.notes.length,
        errors: c.errors,
      });
    }
    return report;
  }

  /**
   * Resolves a conflict by taking one client's value (or a value the user edited). The next
   * sync writes it everywhere: the losing sides are acknowledged, so they count as behind, not
   * as changed.
   */
  async resolve(conflictId: number, choice: { take: string } | { value: unknown }): Promise<void> {
    const c = [...(await this.state.openConflicts()).values()].find((x) => x.id === conflictId);
    if (!c) throw new Error(`Cannot resolve conflict ${conflictId}: it is not open`);
    const parts = parseItemKey(c.key);
    const value = "take" in choice ? c.sides[choice.take] : choice.value;
    if ("take" in choice && !(choice.take in c.sides)) {
      throw new Error(
        `Cannot resolve conflict ${conflictId}: "${choice.take}" is not one of its sides`,
      );
    }
    const base = await this.state.base();
    const views: { client: string; set: Map<string, string>; remove: string[] }[] = [];
    for (const [client, side] of Object.entries(c.sides)) {
      views.push(
        side === null
          ? { client, set: new Map(), remove: [c.key] }
          : { client, set: new Map([[c.key, stableStringify(side)]]), remove: [] },
      );
    }
    const by = "take" in choice ? choice.take : "edit";
    if (value === null || value === undefined) {
      await this.state.commit({
        upsert: [],
        remove: [c.key],
        history: [{ key: c.key, value: undefined, source: `resolve:${by}` }],
        views,
      });
    } else {
      if (parts.kind === "mcp") McpServer.parse(value);
      const item = { ...parts, value } as Item;
      await this.state.commit({
        upsert: [{ item, omit: base.get(c.key)?.omit ?? [] }],
        remove: [],
        history: [{ key: c.key, value, source: `resolve:${by}` }],
        views,
      });
    }
    await this.state.closeConflict(c.id, by);
    this.bus?.publish({ type: "conflict.resolved", key: c.key, conflictId: c.id, by });
  }

  /**
   * Settles every open conflict `client` made by dropping items (see {@linkcode droppedBy}):
   * kept, each goes back to it; otherwise each is deleted everywhere. Returns them; the next
   * sync writes the result.
   */
  async settleDropped(client: string, keep: boolean): Promise<{ id: number; key: string }[]> {
    const mine = [...(await this.state.openConflicts()).values()].filter((c) =>
      droppedBy(c) === client
    );
    for (const c of mine) {
      const take = keep ? Object.keys(c.sides).find((s) => s !== client)! : client;
      await this.resolve(c.id, { take });
    }
    return mine;
  }

  #finishReport(
    report: SyncReport,
    reads: Map<string, ClientRead>,
    keptBy: Map<string, Set<string>>,
  ) {
    for (const [id, c] of Object.entries(report.clients)) {
      if (c.state === "disabled" || c.state === "absent") continue;
      if (c.errors.length || !reads.has(id)) c.state = "error";
      else if (report.conflicts.some((k) => k.clients.includes(id))) c.state = "conflict";
      else if (report.pending.some((w) => w.clients.includes(id))) c.state = "pending";
      else if (keptBy.get(id)?.size) c.state = "kept";
      else if (c.notes.length) c.state = "lossy";
      else c.state = "ok";
    }
  }

  async #project(id: string, items: Item[]): Promise<Map<string, Item> | undefined> {
    try {
      const r = await this.host.project(id, items);
      return new Map(r.items.map((i) => [itemKey(i), i]));
    } catch {
      return undefined;
    }
  }

  /**
   * Merges concurrent changes of one item. Disjoint fields merge; clashing fields are a conflict
   * unless one side's value, seen through each other client, is exactly what that client shows
   * (it only said less, e.g. Codex shows an SSE server as HTTP), or `prefer` names a side.
   */
  async #merge(
    key: string,
    prev: BaseItem | undefined,
    list: Change[],
    reads: Map<string, ClientRead>,
    base: Map<string, BaseItem>,
    syncs: (id: string, it: Pick<Item, "kind" | "scope">) => boolean,
    prefer?: string,
  ): Promise<{ value: unknown } | { conflict: string[] }> {
    const edits = list.filter((c) => c.action !== "delete");
    const clash = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (list[i].action === "delete" || list[j].action === "delete") {
          if (list[i].action !== list[j].action) clash.add("(deleted)");
          continue;
        }
        for (const f of clashes(list[i].delta, list[j].delta)) clash.add(leafName(f));
      }
    }
    const valid = (v: unknown) => key.startsWith("mcp:") ? McpServer.safeParse(v).success : true;
    if (!clash.size) {
      const value = apply(prev?.item.value, edits.map((c) => c.delta));
      if (valid(value)) return { value };
      clash.add("(shape)");
    }
    if (clash.has("(deleted)")) {
      if (prefer && list.some((c) => c.client === prefer)) {
        const p = list.find((c) => c.client === prefer)!;
        if (p.action !== "delete") return { value: p.now!.value };
      }
      return { conflict: [...clash] };
    }
    // Try each side as the winner.
    for (const w of edits) {
      const value = apply(prev?.item.value, [
        ...edits.filter((c) => c !== w).map((c) => c.delta),
        w.delta,
      ]);
      if (!valid(value)) continue;
      let entailed = true;
      for (const o of edits) {
        if (o === w) continue;
        const trial = new Map(base);
        trial.set(key, { item: { ...o.now!, value } as Item, omit: [] });
        const seen = await this.#project(o.client, desiredFor(o.client, trial, reads, syncs));
        if (!seen || stableStringify(seen.get(key)?.value) !== stableStringify(o.now!.value)) {
          entailed = false;
          break;
        }
      }
      if (entailed) return { value };
    }
    if (prefer) {
      const p = edits.find((c) => c.client === prefer);
      if (p) {
        const value = apply(prev?.item.value, [
          ...edits.filter((c) => c !== p).map((c) => c.delta),
          p.delta,
        ]);
        if (valid(value)) return { value };
        return { value: p.now!.value };
      }
    }
    return { conflict: [...clash] };
  }
}

/**
 * Hashes the files under the declared paths: each file, or every file below a folder (skills,
 * commands). `key` stands for everything a plugin's read can see there: each file's bytes and
 * mode, each folder, each absent path. Synchronous calls: a few dozen small files take far less
 * time so than through the runtime's thread pool.
 */
function snapshot(paths: string[]): { hashes: Map<string, string>; key: string } {
  const hashes = new Map<string, string>(), seen: string[] = [];
  const files: { path: string; bytes: Uint8Array; mode: number | null }[] = [];
  const walk = (path: string, depth: number) => {
    let info: Deno.FileInfo | undefined;
    // Most declared paths are absent (folders a client never made). Deno's stat throws for
    // those, and that error cost about 40 µs each: 3 ms a sync under `watch`, where every
    // client is looked at. `existsSync` answers without one.
    try {
      if (existsSync(path)) info = Deno.statSync(path);
    } catch { /* gone since, or not ours to see: absent too */ }
    if (!info) {
      hashes.set(path, "absent");
      seen.push(`${path}\0absent`);
      return;
    }
    if (!info.isDirectory) {
      try {
        files.push({ path, bytes: Deno.readFileSync(path), mode: info.mode });
      } catch {
        hashes.set(path, "absent");
        seen.push(`${path}\0absent`);
      }
      return;
    }
    seen.push(`${path}\0dir`);
    // Symlinks are followed, as the plugins' reads follow them (a linked skill folder is
    // common); the depth bound stops a link cycle.
    if (depth > 16) return;
    for (const e of Deno.readDirSync(path)) walk(`${path}/${e.name}`, depth + 1);
  };
  for (const p of paths) walk(p, 0);
  for (const f of files) {
    const h = sha256(f.bytes);
    hashes.set(f.path, h);
    seen.push(`${f.path}\0${h}\0${f.mode ?? ""}`);
  }
  return { hashes, key: seen.sort().join("\n") };
}

/** A plugin's read, with the hashes of the files it was read from. */
function clientRead(r: ReadResult, hashes: Map<string, string>): ClientRead {
  // A file that does not parse freezes the scopes (and kinds) it holds: nothing of them is
  // taken as changed or deleted, and nothing is planned over them.
  const frozenSets = (r.errors ?? []).map((e) => ({
    scopes: new Set(e.scopes ?? ["*"]),
    kinds: e.kinds ? new Set<string>(e.kinds) : undefined,
  }));
  const frozen = (it: Pick<Item, "kind" | "scope">) =>
    frozenSets.some((f) =>
      (f.scopes.has("*") || f.scopes.has(it.scope)) && (!f.kinds || f.kinds.has(it.kind))
    );
  return {
    items: new Map(r.items.map((i) => [itemKey(i), i])),
    frozen,
    errors: r.errors ?? [],
    hashes,
    projects: r.projects,
  };
}

/** True when the client's read is exactly the desired set (and it read without errors). */
function showsExactly(id: string, desired: Item[], read: ClientRead): boolean {
  if (read.errors.length || desired.length !== read.items.size) return false;
  for (const d of desired) {
    const g = read.items.get(itemKey(d));
    if (!g || ownValue(id, g.value) !== ownValue(id, d.value)) return false;
  }
  return true;
}

/**
 * The value as one client keeps it: other clients' extras left out, and empty `args`, `env` and
 * `headers` taken as absent (an empty list says nothing, whichever way a plugin spells it).
 */
function ownValue(id: string, v: unknown): string {
  const { extras, ...rest } = v as { extras?: Record<string, unknown> } & Record<string, unknown>;
  for (const k of ["args", "env", "headers"]) {
    const x = rest[k];
    if (x && typeof x === "object" && Object.keys(x).length === 0) delete rest[k];
  }
  return stableStringify(extras?.[id] ? { ...rest, extras: { [id]: extras[id] } } : rest);
}

/**
 * A plan must say what was asked: read back over the planned contents, every changed file
 * parses and every desired item reads back as desired (in what this client keeps of it), except
 * where the plugin gave a lossy note. Anything else is a plugin bug, and nothing is written.
 */
function verifyPlan(
  id: string,
  desired: Item[],
  plan: PlanResult,
  back: ReadResult,
  read: ClientRead,
): string | undefined {
  const changed = new Set(plan.writes.map((w) => w.path));
  if (!changed.size) return undefined;
  const before = new Set(read.errors.map((e) => e.file));
  for (const e of back.errors ?? []) {
    if (changed.has(e.file) && !before.has(e.file)) {
      return `Plugin "${id}" planned "${e.file}" so that it would not parse (${e.message}); nothing was written for it`;
    }
  }
  const noted = new Set(plan.notes.map((n) => n.item));
  const got = new Map(back.items.map((i) => [itemKey(i), i]));
  const own = (v: unknown) => ownValue(id, v);
  for (const d of desired) {
    const k = itemKey(d);
    if (noted.has(k) || read.frozen(d)) continue;
    const g = got.get(k);
    if (!g || own(g.value) !== own(d.value)) {
      return `Plugin "${id}" planned ${k} so that it would read back ${
        g ? "differently" : "missing"
      }; nothing was written for it`;
    }
  }
  const want = new Set(desired.map(itemKey));
  for (const k of got.keys()) {
    if (!want.has(k) && !noted.has(k) && !read.frozen(got.get(k)!)) {
      return `Plugin "${id}" planned a removal of ${k} that would not take effect; nothing was written for it`;
    }
  }
  return undefined;
}

const stableMemo = new WeakMap<Map<string, Item>, Map<string, string>>();

/**
 * The stable JSON of one item of a read, worked out once per read: a read the engine keeps for
 * the next sync (and its items) is never changed.
 */
function stableOf(items: Map<string, Item>, key: string): string {
  let memo = stableMemo.get(items);
  if (!memo) stableMemo.set(items, memo = new Map());
  let s = memo.get(key);
  if (s === undefined) memo.set(key, s = stableStringify(items.get(key)!.value));
  return s;
}

/** A client's read as the plugin returned it. */
function asResult(r: ClientRead): ReadResult {
  return { items: [...r.items.values()], errors: r.errors, projects: r.projects };
}

/**
 * Deletions that wait for the user: those of a client that no longer shows any of the
 * {@linkcode EMPTIED_MIN} or more items of one kind and scope it showed. That is a file deleted
 * or reset (a common fix for a misbehaving client is to delete `~/.claude.json`), not a user
 * removing servers one by one; deleting them from every other client would be silent loss.
 * Unison asks the same before it lets an emptied replica empty the other. Each such item gets
 * a conflict between the emptied client (deleted) and the clients that still show it.
 */
function emptied(
  reads: Map<string, ClientRead>,
  views: Map<string, Map<string, string>>,
  changes: Map<string, Change[]>,
  open: Map<string, unknown>,
  policies: Map<string, { direction: string }>,
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const group = (key: string) => {
    const { kind, scope } = parseItemKey(key);
    return `${kind}\0${scope}`;
  };
  for (const [id, r] of reads) {
    const view = views.get(id);
    if (!view || policies.get(id)!.direction === "receive") continue;
    const shown = new Set([...r.items.keys()].map(group));
    for (const [g, keys] of Map.groupBy(view.keys(), group)) {
      if (keys.length < EMPTIED_MIN || shown.has(g)) continue;
      const deleted = (key: string) =>
        changes.get(key)?.some((c) => c.client === id && c.action === "delete");
      if (!keys.every(deleted)) continue;
      for (const key of keys) {
        if (open.has(key)) continue;
        const sides: Record<string, unknown> = { [id]: null };
        for (const [other, o] of reads) {
          const it = o.items.get(key);
          if (other !== id && it) sides[other] = it.value;
        }
        // Nobody else has it: deleting it loses nothing elsewhere.
        if (Object.keys(sides).length > 1) out.set(key, sides);
      }
    }
  }
  return out;
}

/**
 * The client that dropped the item, when a conflict is one of an emptied client's (see
 * {@linkcode emptied}): that client's side is deleted, every other side is the base unchanged.
 */
export function droppedBy(
  c: { base: unknown; sides: Record<string, unknown> },
): string | undefined {
  // Each client shows only its own extras: they are not what the sides disagree on.
  const plain = (v: unknown) => {
    const { extras: _, ...rest } = (v ?? {}) as Record<string, unknown>;
    return stableStringify(rest);
  };
  const gone = Object.keys(c.sides).filter((id) => c.sides[id] === null);
  const kept = Object.values(c.sides).filter((v) => v !== null);
  const was = plain(c.base);
  return gone.length === 1 && kept.length && kept.every((v) => plain(v) === was)
    ? gone[0]
    : undefined;
}

function add(map: Map<string, Change[]>, key: string, change: Change) {
  if (isEmpty(change.delta)) return;
  if (!map.has(key)) map.set(key, []);
  map.get(key)!.push(change);
}

function keyParts(
  key: string,
  base: Map<string, BaseItem>,
): Pick<Item, "kind" | "scope"> | undefined {
  return base.get(key)?.item;
}

/** The desired set for one client: the base (less omitted and held items) plus what it keeps alone. */
function desiredFor(
  id: string,
  base: Map<string, BaseItem>,
  reads: Map<string, ClientRead>,
  syncs: (id: string, it: Pick<Item, "kind" | "scope">) => boolean,
  held: Set<string> = new Set(),
): Item[] {
  const r = reads.get(id);
  const out = new Map<string, Item>();
  for (const [key, b] of base) {
    if (held.has(key) || b.omit.includes(id)) continue;
    if (!syncs(id, b.item) || r?.frozen(b.item)) continue;
    out.set(key, b.item);
  }
  // What the client has that is not synced to it, frozen, or held in a conflict stays as it is.
  for (const [key, item] of r?.items ?? []) {
    if (held.has(key) || !syncs(id, item) || r!.frozen(item)) out.set(key, item);
  }
  // A stable order, so the same desired set always plans the same bytes.
  return [...out.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, i]) => i);
}

/**
 * True when `path` is a folder that exists. Synchronous: a stat is far cheaper than a round trip
 * through the runtime's thread pool.
 */
function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
