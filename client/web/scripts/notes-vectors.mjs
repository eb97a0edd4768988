// Generate protocol/vectors/notes_yjs.json: Yjs updates made by yjs, with
// the text and merged state they give (applied in order). Its twin,
// notes.json, is made by pycrdt (scripts/gen_notes_vectors.py); each side
// replays both. Run from client/web: node scripts/notes-vectors.mjs [--check]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as Y from "yjs";

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../protocol/vectors/notes_yjs.json");
const hex = (u) => Buffer.from(u).toString("hex");

class Typist {
  constructor(clientID) {
    this.doc = new Y.Doc();
    this.doc.clientID = clientID;
    this.text = this.doc.getText("notes");
  }
  edit(index, insert = "", del = 0) {
    const before = Y.encodeStateVector(this.doc);
    this.doc.transact(() => {
      if (del) this.text.delete(index, del);
      if (insert) this.text.insert(index, insert);
    });
    return Y.encodeStateAsUpdate(this.doc, before);
  }
  receive(u) { Y.applyUpdate(this.doc, u); }
}

const caseOf = (name, updates) => {
  const d = new Y.Doc();
  d.clientID = 1;
  for (const u of updates) Y.applyUpdate(d, u);
  return { name, state: hex(Y.encodeStateAsUpdate(d)), text: d.getText("notes").toString(), updates: updates.map(hex) };
};

const cases = [];
{
  const ann = new Typist(501);
  cases.push(caseOf("yjs: one typist: insert, append, delete, insert",
    [ann.edit(0, "Hello"), ann.edit(5, " world"), ann.edit(0, "", 1), ann.edit(0, "J")]));
}
{
  const ann = new Typist(601), bob = new Typist(602);
  const start = ann.edit(0, "Decided: ");
  bob.receive(start);
  const a = [..."ship"].map((ch, i) => ann.edit(9 + i, ch));
  const b = [..."wait"].map((ch, i) => bob.edit(9 + i, ch));
  cases.push(caseOf("yjs: two typists in one paragraph, Ann's first", [start, ...a, ...b]));
  cases.push(caseOf("yjs: two typists in one paragraph, Bob's first", [start, ...b, ...a]));
}
{
  const ann = new Typist(701), bob = new Typist(702);
  const body = "- [ ] send slides @Anna\n- [ ] book a room\n";
  const first = ann.edit(0, body);
  bob.receive(first);
  const cut = bob.edit(2, "", 3);
  const tick = bob.edit(2, "[x]");
  const more = ann.edit(body.length, "- [ ] café ☕ 👍\n");
  cases.push(caseOf("yjs: checkbox ticked while the other types on (unicode)", [first, cut, tick, more]));
}

const text = JSON.stringify({ made_by: "yjs", merge: cases, version: 1 }, null, 1) + "\n";
if (process.argv.includes("--check")) {
  process.exit(readFileSync(OUT, "utf8") === text ? 0 : 1);
}
writeFileSync(OUT, text);
