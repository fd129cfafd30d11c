/**
 * The item list and one item: its value in every client side by side, the base, its history
 * with diffs, and the backups of the files that hold it. Props in (masked), HTML out.
 *
 * @module
 */
import type { ItemDetail, ItemSummary } from "../core/items.ts";
import { LineDiff, Value, valueText } from "./diff.tsx";
import { Csrf, PostForm, Time } from "./layout.tsx";

/** A link to an item's page. */
export function itemHref(key: string): string {
  return `/items/${encodeURIComponent(key)}`;
}

function scopeLabel(scope: string): string {
  return scope === "user" ? "user" : `project ${scope.slice(8)}`;
}

/** Every base item. */
export function ItemList(
  { items, names }: { items: ItemSummary[]; names: Record<string, string> },
) {
  return (
    <>
      <h1>Items</h1>
      {items.length
        ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Clients</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.key}>
                    <td>
                      <a href={itemHref(i.key)}>{i.name}</a>
                    </td>
                    <td>{i.kind}</td>
                    <td class="mono">{scopeLabel(i.scope)}</td>
                    <td>{i.clients.map((c) => names[c] ?? c).join(", ")}</td>
                    <td>
                      <Time at={i.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
        : <p class="muted">No items yet: add an MCP server or instructions in any client.</p>}
    </>
  );
}

/** Props of {@linkcode ItemView}. */
export interface ItemViewProps {
  item: ItemDetail;
  names: Record<string, string>;
  csrf: string;
  message?: string;
}

/** One item. */
export function ItemView({ item, names, csrf, message }: ItemViewProps) {
  const history = item.history;
  return (
    <div id="item">
      <p>
        <a href="/items">← Items</a>
      </p>
      <h1>
        {item.name} <span class="muted">({item.kind}, {scopeLabel(item.scope)})</span>
      </h1>
      {message ? <p class="notice" role="status">{message}</p> : null}
      <section aria-labelledby="sides-h">
        <h2 id="sides-h">In each client</h2>
        <div class="sides">
          <div class="side">
            <h4>Base (last agreed)</h4>
            <Value value={item.base} />
          </div>
          {Object.entries(item.sides).map(([client, v]) => (
            <div class="side" key={client}>
              <h4>
                {names[client] ?? client}
                {v !== undefined && valueText(v) !== valueText(item.base)
                  ? <span class="state state-pending">differs</span>
                  : null}
              </h4>
              <Value value={v} />
            </div>
          ))}
        </div>
      </section>
      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        {history.length ? null : <p class="muted">No history.</p>}
        {history.map((h, i) => {
          const prev = history[i + 1];
          return (
            <details key={h.id} open={i === 0} class="panel">
              <summary>
                <Time at={h.at} /> — from {h.source}
                {h.value === null ? " (deleted)" : ""}
              </summary>
              <LineDiff
                before={prev ? valueText(prev.value) : ""}
                after={valueText(h.value)}
                label={`Change ${h.id}`}
              />
              {i > 0
                ? (
                  <PostForm
                    to={`${itemHref(item.key)}/restore`}
                    csrf={csrf}
                    target="#item"
                    class="row"
                  >
                    <input type="hidden" name="history" value={String(h.id)} />
                    <button type="submit">Restore this value everywhere</button>
                  </PostForm>
                )
                : null}
            </details>
          );
        })}
      </section>
      <section aria-labelledby="backups-h">
        <h2 id="backups-h">Backups of the files that hold it</h2>
        {item.backups.length
          ? (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">File</th>
                    <th scope="col">Taken</th>
                    <th scope="col">Why</th>
                    <th scope="col">
                      <span class="sr-only">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {item.backups.map((b) => (
                    <tr key={b.id}>
                      <td>{String(b.id)}</td>
                      <td class="mono">{b.path}</td>
                      <td>
                        <Time at={b.at} />
                      </td>
                      <td>{b.reason}</td>
                      <td>
                        <form
                          method="post"
                          action={`/backups/${b.id}/restore`}
                          hx-post={`/backups/${b.id}/restore?item=${encodeURIComponent(item.key)}`}
                          hx-target="#item"
                          hx-swap="outerHTML"
                          hx-confirm={`Put ${b.path} back as it was before this write?`}
                        >
                          <Csrf token={csrf} />
                          <input type="hidden" name="item" value={item.key} />
                          <button type="submit">Restore file</button>
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
          : <p class="muted">No backups: aisync has not written these files.</p>}
      </section>
    </div>
  );
}
