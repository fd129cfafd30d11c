/**
 * Conflicts: each open one with the base and every side next to each other (diffed against the
 * base), a button to take a side, and an editor for a value of one's own. Props in (masked),
 * HTML out.
 *
 * @module
 */
import type { Conflict } from "../core/state.ts";
import { LineDiff, valueText } from "./diff.tsx";
import { PostForm, Time } from "./layout.tsx";
import { itemHref } from "./items.tsx";

/** Props of {@linkcode Conflicts}. */
export interface ConflictsProps {
  open: Conflict[];
  resolved: (Conflict & { resolution?: string })[];
  names: Record<string, string>;
  /** Conflicts an emptied client made: conflict id → the client that dropped the item. */
  dropped?: Record<number, string>;
  csrf: string;
  message?: string;
  error?: { id: number; text: string; value: string };
}

function title(key: string) {
  const name = key.slice(key.lastIndexOf(":") + 1);
  const scope = key.slice(key.indexOf(":") + 1, key.lastIndexOf(":"));
  return `${name} (${key.slice(0, key.indexOf(":"))}, ${scope === "user" ? "user" : scope})`;
}

/** One open conflict. */
export function ConflictCard(
  { c, names, csrf, error, dropped }: {
    c: Conflict;
    names: Record<string, string>;
    csrf: string;
    error?: ConflictsProps["error"];
    /** The client that dropped this item, when an emptied client made the conflict. */
    dropped?: string;
  },
) {
  const base = valueText(c.base);
  const sides = Object.entries(c.sides);
  const first = sides.find(([, v]) => v !== null)?.[1] ?? c.base;
  const editing = error?.id === c.id ? error.value : JSON.stringify(first ?? {}, null, 2);
  const name = (id: string) => names[id] ?? id;
  // One client lost it (a file deleted or reset) while the others kept it unchanged.
  const emptied = dropped !== undefined;
  return (
    <article class="panel" id={`conflict-${c.id}`} aria-labelledby={`conflict-${c.id}-h`}>
      <div class="spread">
        <h2 id={`conflict-${c.id}-h`}>
          <a href={itemHref(c.key)}>{title(c.key)}</a>
        </h2>
        <span class="muted">
          #{String(c.id)}, opened <Time at={c.createdAt} />
        </span>
      </div>
      {emptied
        ? (
          <p>
            {name(dropped)}{" "}
            no longer has this item, nor any other of its kind there: its file was deleted or reset.
            aisync deleted it nowhere else. Delete it everywhere, or keep it and {name(dropped)}
            {" "}
            gets it back.
          </p>
        )
        : (
          <p>
            {sides.map(([id]) => name(id)).join(" and ")}{" "}
            changed this item differently. Nothing was overwritten; pick the value to keep.
          </p>
        )}
      <div class="sides">
        <div class="side">
          <h4>Base (before)</h4>
          <pre>{c.base === undefined ? "(new item)" : base}</pre>
        </div>
        {sides.map(([client, v]) => (
          <div class="side" key={client} data-side={client}>
            <h4>
              <span>{names[client] ?? client}</span>
              <PostForm target="#conflicts" to={`/conflicts/${c.id}/resolve`} csrf={csrf}>
                <input type="hidden" name="take" value={client} />
                <button type="submit" class={emptied && v === null ? "" : "primary"}>
                  {emptied ? (v === null ? "Delete everywhere" : `Keep ${name(client)}'s`) : (
                    `Take ${name(client)}`
                  )}
                  <span class="sr-only">
                    {emptied && v === null ? ` ${title(c.key)}` : `'s value for ${title(c.key)}`}
                  </span>
                </button>
              </PostForm>
            </h4>
            {v === null
              ? <p>(deleted it)</p>
              : <LineDiff before={base} after={valueText(v)} label={`${client} against base`} />}
          </div>
        ))}
      </div>
      <details open={error?.id === c.id}>
        <summary>Edit the value instead</summary>
        <PostForm
          target="#conflicts"
          to={`/conflicts/${c.id}/resolve`}
          csrf={csrf}
          class="form-grid"
        >
          <label>
            Value as JSON (a <code>****</code> keeps the secret that was there)
            <textarea name="value" spellcheck={false}>{editing}</textarea>
          </label>
          {error?.id === c.id ? <p class="error" role="alert">{error.text}</p> : null}
          <button type="submit">Save this value</button>
        </PostForm>
      </details>
    </article>
  );
}

/** For each client that dropped several items at once: settle them all in one step. */
function DroppedPanels(p: ConflictsProps) {
  const by = new Map<string, number>();
  for (const client of Object.values(p.dropped ?? {})) by.set(client, (by.get(client) ?? 0) + 1);
  return (
    <>
      {[...by].filter(([, n]) => n > 1).map(([client, n]) => {
        const name = p.names[client] ?? client;
        const form = (action: string, label: string, primary: boolean) => (
          <PostForm target="#conflicts" to="/conflicts/dropped" csrf={p.csrf}>
            <input type="hidden" name="client" value={client} />
            <input type="hidden" name="action" value={action} />
            <button type="submit" class={primary ? "primary" : ""}>{label}</button>
          </PostForm>
        );
        return (
          <section class="panel" key={client} data-dropped={client}>
            <p>
              {name} dropped {String(n)}{" "}
              items at once: its file was deleted or reset. The other clients still have them.
            </p>
            <div class="spread">
              {form("keep", `Keep all ${n} (${name} gets them back)`, true)}
              {form("delete", `Delete all ${n} everywhere`, false)}
            </div>
          </section>
        );
      })}
    </>
  );
}

/** The conflicts page body. */
export function Conflicts(p: ConflictsProps) {
  return (
    <div id="conflicts">
      <h1>Conflicts</h1>
      {p.message ? <p class="notice" role="status">{p.message}</p> : null}
      <DroppedPanels {...p} />
      {p.open.length
        ? p.open.map((c) => (
          <ConflictCard
            key={c.id}
            c={c}
            names={p.names}
            csrf={p.csrf}
            error={p.error}
            dropped={p.dropped?.[c.id]}
          />
        ))
        : <p class="muted" id="no-conflicts">No open conflicts.</p>}
      {p.resolved.length
        ? (
          <section aria-labelledby="resolved-h">
            <h2 id="resolved-h">Recently resolved</h2>
            <ul>
              {p.resolved.map((c) => (
                <li key={c.id}>
                  #{String(c.id)} <a href={itemHref(c.key)}>{title(c.key)}</a>
                </li>
              ))}
            </ul>
          </section>
        )
        : null}
    </div>
  );
}
