// Writes a deterministic mixed-text corpus of at least --mb megabytes for
// scripts/bench-tokenizer.sh: documents separated by the ASCII record
// separator (0x1E), made of prose-like word sequences sampled from the
// repository's sources and docs, verbatim multilingual golden strings, and
// verbatim code excerpts.
//   node scripts/bench/make_corpus.js OUT [--mb 10]
"use strict";
const fs = require("fs");
const path = require("path");
const { execSync } = require("child_process");

const out = process.argv[2];
const mbIdx = process.argv.indexOf("--mb");
const targetBytes = (mbIdx > 0 ? Number(process.argv[mbIdx + 1]) : 10) * 1e6;
if (!out || !(targetBytes > 0)) {
  console.error("usage: make_corpus.js OUT [--mb N]");
  process.exit(2);
}
const root = path.resolve(__dirname, "..", "..");

// Seed text: tracked sources and docs, sorted for determinism.
const files = execSync("git ls-files -- src tests scripts '*.md' '*.yaml' '*.txt' CMakeLists.txt", { cwd: root })
  .toString().split("\n").filter((f) => f && !f.endsWith(".jsonl") && fs.existsSync(path.join(root, f))).sort();
const seeds = files.map((f) => fs.readFileSync(path.join(root, f), "utf8"));
const goldens = [];
for (const f of fs.readdirSync(path.join(root, "tests/data/tokenizers")).sort()) {
  if (!/^(qwen3|llama3_1|mistral_v01_sp32k)\.jsonl$/.test(f)) continue;
  for (const line of fs.readFileSync(path.join(root, "tests/data/tokenizers", f), "utf8").split("\n"))
    if (line.trim()) goldens.push(JSON.parse(line).text);
}
const words = [];
for (const s of seeds.concat(goldens)) for (const w of s.split(/\s+/)) if (w) words.push(w);
const codeLines = seeds.join("\n").split("\n");

let state = 0x2545f491;  // mulberry32
function rand() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

function paragraph() {
  const r = rand();
  if (r < 0.15) return pick(goldens);
  if (r < 0.35) {
    const start = Math.floor(rand() * codeLines.length);
    return codeLines.slice(start, start + 5 + Math.floor(rand() * 20)).join("\n");
  }
  const n = 20 + Math.floor(rand() * 120);
  const parts = [];
  for (let i = 0; i < n; i++) {
    let w = pick(words);
    const p = rand();
    if (p < 0.08) w += ",";
    else if (p < 0.12) w += ".";
    else if (p < 0.13) w = w[0].toUpperCase() + w.slice(1);
    parts.push(w);
  }
  return parts.join(rand() < 0.02 ? "  " : " ");
}

const docs = [];
let bytes = 0;
while (bytes < targetBytes) {
  const paras = [];
  let docBytes = 0;
  const docTarget = 2000 + Math.floor(rand() * 14000);
  while (docBytes < docTarget) {
    const p = paragraph();
    paras.push(p);
    docBytes += Buffer.byteLength(p) + 2;
  }
  const doc = paras.join(rand() < 0.5 ? "\n\n" : "\n");
  docs.push(doc);
  bytes += Buffer.byteLength(doc) + 1;
}
fs.writeFileSync(out, docs.join("\x1e"));
console.log(`corpus: ${docs.length} documents, ${(bytes / 1e6).toFixed(2)} MB -> ${out}`);
