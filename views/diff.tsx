/**
 * Line diffs (the `diff` package) rendered as HTML, and the pretty form of an item value that
 * every view shows. Values are masked before they get here.
 *
 * @module
 */
import { diffLines, structuredPatch } from "diff";

/** An item value as text: instructions as their text, everything else as indented JSON. */
export function valueText(value: unknown): string {
  if (value === undefined) return "";
  if (value === null) return "(deleted)";
  if (
    value && typeof value === "object" && "text" in value &&
    typeof (value as { text: unknown }).text === "string"
  ) {
    return (value as { text: string }).text;
  }
  // Sorted keys: two clients' values differ only where their content does, not in key order.
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The value in a `<pre>`. */
export function Value({ value }: { value: unknown }) {
  return value === undefined
    ? <p class="muted">does not have it</p>
    : <pre>{valueText(value)}</pre>;
}

/** A whole-text line diff from `before` to `after` (added and removed lines marked). */
export function LineDiff(
  { before, after, label }: { before: string; after: string; label?: string },
) {
  const parts = diffLines(before, after);
  return (
    <div class="diff" role="group" aria-label={label ?? "Changes"}>
      <pre>
        {parts.map((p, i) => {
          const cls = p.added ? "add" : p.removed ? "del" : "ctx";
          const sign = p.added ? "+ " : p.removed ? "- " : "  ";
          const lines = p.value.replace(/\n$/, "").split("\n");
          return (
            <span key={i} class={cls}>
              {p.added ? <span class="sr-only">added:</span> : null}
              {p.removed ? <span class="sr-only">removed:</span> : null}
              {lines.map((l) => sign + l).join("\n")}
            </span>
          );
        })}
      </pre>
    </div>
  );
}

/** A unified diff of a file (hunks only, 3 lines of context), for long files such as plans. */
export function FileDiff({ path, before, after }: { path: string; before: string; after: string }) {
  const patch = structuredPatch(path, path, before, after, "", "", { context: 3 });
  return (
    <div class="diff" role="group" aria-label={`Changes to ${path}`}>
      <pre>
        {patch.hunks.map((h, i) => (
          <>
            <span key={`h${i}`} class="hunk">
              @@ -{h.oldStart},{h.oldLines} +{h.newStart},{h.newLines} @@
            </span>
            {h.lines.map((l, j) => (
              <span
                key={`${i}-${j}`}
                class={l[0] === "+" ? "add" : l[0] === "-" ? "del" : "ctx"}
              >
                {l}
              </span>
            ))}
          </>
        ))}
        {patch.hunks.length ? null : <span class="ctx muted">(no change)</span>}
      </pre>
    </div>
  );
}
