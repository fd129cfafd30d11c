/**
 * VS Code's prompt files (its slash commands): `*.prompt.md` at the top of `.github/prompts/`
 * and of the user profile's `prompts/` folder.
 *
 * What this relies on (VS Code's prompt-files docs and its `promptFileLocations.ts` /
 * `promptFilesLocator.ts`; see README.md):
 *
 * - A prompt's name is its frontmatter `name`, else the file name without `.prompt.md`. Only the
 *   top of each folder is read (VS Code lists a folder's files, not its sub-folders), so a
 *   namespaced name (`git:commit`) has no place.
 * - `description` and `argument-hint` map to the canonical fields; `agent` (formerly `mode`),
 *   `model`, `tools` and any other key are kept verbatim in `extras.vscode`.
 * - VS Code has no `$ARGUMENTS`. What is typed after `/name` goes along with the prompt, and the
 *   body may hold input variables `${input:name}` / `${input:name:placeholder}` that the model
 *   fills from it. So `$ARGUMENTS` is written as `${input:args}` and `$ARGUMENTS[N]` as
 *   `${input:arg<N+1>}`, and those read back as the canonical placeholders (a placeholder text
 *   after the second colon is kept while the file keeps it). Both are lossy notes: VS Code does
 *   not substitute the text word for word. `${selection}`, `${file}` and VS Code's other
 *   variables stay as they are.
 *
 * @module
 */
import { type FolderRules, type MdDoc, mdRules, type NoteFn } from "../_contract.ts";

const ID = "vscode";
const CLIENT = "VS Code";

/** VS Code input variables that stand for canonical placeholders. */
const INPUT = /(?<!\\)\$\{input:(args|arg([1-9]\d{0,5}))(?::[^}\n]*)?\}/g;
/** Canonical placeholders (`\$ARGUMENTS` is literal text). */
const CANON = /(?<!\\)\$ARGUMENTS(?:\[(\d+)\])?/g;

/** A VS Code prompt body as canonical text. */
export function fromVscode(body: string): string {
  return body.replace(
    INPUT,
    (_all, _name, n?: string) => n === undefined ? "$ARGUMENTS" : `$ARGUMENTS[${Number(n) - 1}]`,
  );
}

/** How a body spells each canonical placeholder it holds (the first spelling wins). */
function spellingOf(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const found: [number, string, string][] = [];
  for (const m of body.matchAll(INPUT)) found.push([m.index, fromVscode(m[0]), m[0]]);
  for (const m of body.matchAll(CANON)) found.push([m.index, m[0], m[0]]);
  for (const [, canon, raw] of found.sort((a, b) => a[0] - b[0])) {
    if (!out.has(canon)) out.set(canon, raw);
  }
  return out;
}

/** Canonical text as a VS Code prompt body, in the spellings `cur` already uses. */
export function toVscode(canon: string, cur?: string): string {
  const spelling = cur === undefined ? new Map<string, string>() : spellingOf(cur);
  return canon.replace(CANON, (all, n?: string) =>
    spelling.get(all) ??
      (n === undefined ? "${input:args}" : `\${input:arg${Number(n) + 1}}`));
}

/** Notes for what a canonical body holds that VS Code does not expand as such. */
export function bodyNotes(body: string, note: NoteFn): void {
  const positions = [...new Set([...body.matchAll(CANON)].filter((m) => m[1]).map((m) => m[0]))];
  if ([...body.matchAll(CANON)].some((m) => m[1] === undefined)) {
    note(
      'VS Code has no "$ARGUMENTS": it is written as "${input:args}", an input the model fills ' +
        "from what is typed after the command",
    );
  }
  if (positions.length) {
    const as = positions.map((p) => `"${p}" is written as "${toVscode(p)}"`).join(", ");
    note(
      "VS Code has no positional arguments, only named inputs the model fills from what is " +
        `typed after the command: ${as}`,
    );
  }
  if (body.includes("!{")) {
    note('VS Code does not run "!{…}" (Qwen Code\'s shell injection); it stays as text');
  }
  if (body.includes("@{")) {
    note('VS Code does not read "@{…}" (Qwen Code\'s file injection); it stays as text');
  }
}

/** The rules of VS Code's prompt files: named by a string `name` key, else by the file. */
export function promptRules(): FolderRules<MdDoc> {
  const base = {
    id: ID,
    client: CLIENT,
    kind: "command" as const,
    ext: ".prompt.md",
    namespaces: false,
    // Parsed like the agent files, without Claude Code's repair of unquoted values.
    lenient: false,
    body: {
      read: (body: string) => fromVscode(body),
      // Called for every planned prompt, so its notes hold while the file keeps its body.
      write(canon: string, note: NoteFn, cur: MdDoc | undefined) {
        bodyNotes(canon, note);
        const out = toVscode(canon, cur?.md.body);
        const back = fromVscode(out);
        if (back !== canon) {
          note(
            "the command's text holds what VS Code reads as a placeholder (${input:args} or " +
              "${input:argN}); it reads back changed",
          );
        }
        return out;
      },
    },
  };
  const keys = { description: "description", argumentHint: "argument-hint" };
  const named = mdRules({ ...base, keys: { ...keys, name: "name" } });
  const plain = mdRules({ ...base, keys });
  const hasName = (doc: MdDoc) => typeof doc.front.data.name === "string";
  return {
    ...plain,
    item: (file) => (hasName(file.doc) ? named : plain).item(file),
    render: (item, cur, note) => (cur && hasName(cur.doc) ? named : plain).render(item, cur, note),
  };
}
