import assert from "node:assert/strict";
import { initToml, parseToml } from "./editors.ts";
import {
  type ArgsDialect,
  editTomlRoot,
  fromArgs,
  parseTomlCommand,
  renderTomlCommand,
  toArgs,
} from "./toml_commands.ts";
import { ConfigParseError } from "./editors.ts";

await initToml();

const GEMINI: ArgsDialect = {
  id: "g",
  client: "Gemini CLI",
  short: "Gemini",
  shellArguments: false,
};
const QWEN: ArgsDialect = { id: "q", client: "Qwen Code", short: "Qwen", shellArguments: true };

/** Edits `text` to `want` and checks that it parses back to `want`. */
function edit(text: string, want: Record<string, unknown>): string {
  const out = editTomlRoot(text, parseToml(text, "t.toml"), want, "t.toml");
  assert.deepEqual(parseToml(out, "t.toml"), want);
  return out;
}

Deno.test("editTomlRoot edits root keys in place and keeps comments", () => {
  const text = '# head\ndescription = "a" # why\nprompt = """\nBody\n"""\n';
  assert.equal(
    edit(text, { description: "b", prompt: "New\nbody\n" }),
    '# head\ndescription = "b" # why\nprompt = """\nNew\nbody\n"""\n',
  );
  assert.equal(edit(text, { prompt: "Body\n" }), '# head\nprompt = """\nBody\n"""\n');
  assert.equal(
    edit('prompt = "p"\n', { description: "d", prompt: "p" }),
    'description = "d"\nprompt = "p"\n',
  );
  assert.equal(
    edit("", { description: "d", prompt: 'say "hi"\n' }),
    'description = "d"\nprompt = """\nsay "hi"\n"""\n',
  );
  // A quote that would close the string early is escaped (checked by reading it back).
  edit("", { prompt: 'two\nends with "x"' });
});

Deno.test("editTomlRoot is not fooled by prompt lines that look like keys or tables", () => {
  const text = 'prompt = """\n[meta]\ndescription = "inside"\nx = 1\n"""\n\n[meta]\nv = 1\n';
  // A new description goes before the prompt, not into it; the table stays.
  assert.equal(
    edit(text, { description: "d", prompt: parseToml(text, "t").prompt, meta: { v: 1 } }),
    'description = "d"\n' + text,
  );
  // A table that is no longer wanted goes with its sub-tables; one after it stays.
  const tables = 'prompt = "p"\n\n[meta]\nv = 1\n\n[meta.sub]\nw = 2\n\n[other]\nz = 3\n';
  assert.equal(edit(tables, { prompt: "p", other: { z: 3 } }), 'prompt = "p"\n\n[other]\nz = 3\n');
  assert.equal(
    edit(tables, { prompt: "p", other: { z: 3 }, meta: { v: 5 } }).includes("[meta"),
    false,
  );
  // CRLF files stay CRLF.
  assert.equal(
    edit('prompt = "p"\r\n', { description: "d", prompt: "p" }),
    'description = "d"\r\nprompt = "p"\r\n',
  );
});

Deno.test("parseTomlCommand names the line of a bad prompt or description", () => {
  assert.throws(
    () => parseTomlCommand('# c\nprompt = """\nx\n"""\ndescription = 3\n', "c.toml", GEMINI),
    (e) =>
      e instanceof ConfigParseError && e.line === 5 &&
      /"description" must be a string \(Gemini CLI skips this command\)/.test(e.message),
  );
  assert.throws(
    () => parseTomlCommand('description = "only"\n', "c.toml", GEMINI),
    /a TOML command needs a "prompt"/,
  );
});

Deno.test("the two dialects differ only in $ARGUMENTS inside !{…}", () => {
  const raw = "!{echo $ARGUMENTS} {{args}}";
  assert.equal(fromArgs(raw, QWEN), "!{echo $ARGUMENTS} $ARGUMENTS");
  assert.equal(fromArgs(raw, GEMINI), "!{echo \\$ARGUMENTS} $ARGUMENTS");
  const notes: string[] = [];
  assert.equal(toArgs("!{echo \\$ARGUMENTS}", (m) => notes.push(m), GEMINI), "!{echo $ARGUMENTS}");
  assert.equal(notes.length, 0);
  toArgs("!{echo \\$ARGUMENTS}", (m) => notes.push(m), QWEN);
  assert.match(notes[0], /Qwen Code replaces "\$ARGUMENTS" inside "!\{…\}"/);
});

Deno.test("renderTomlCommand keeps the file's prompt spelling when it means the same", () => {
  const text = "prompt = 'Hi {{args}}'\n";
  const data = parseToml(text, "c");
  const notes: string[] = [];
  const same = renderTomlCommand({ body: "Hi $ARGUMENTS" }, { text, data, path: "c" }, (m) => {
    notes.push(m);
  }, GEMINI);
  assert.equal(same, text);
  assert.equal(
    renderTomlCommand({ body: "Bye $ARGUMENTS", argumentHint: "<x>" }, undefined, (m) => {
      notes.push(m);
    }, GEMINI),
    'prompt = "Bye {{args}}"\n',
  );
  assert.deepEqual(notes, ["Gemini CLI's TOML commands have no argument hint; it was not written"]);
});
