// Differential fuzzing: random strings built from tricky pieces (special
// tokens, Unicode whitespace, combining marks, emoji, digits, contractions,
// SentencePiece/byte-level look-alikes) are tokenized by HF tokenizers (napi)
// and by `ragforge tokenize`; ids, tokens and decoded text must agree.
//   NODE_PATH=third_party_npm/node_modules node scripts/tokenizer-goldens/fuzz_compare.js \
//     build/bin/ragforge third_party_npm/qwen3 [--n 2000] [--seed 1] [--add-special-tokens]
"use strict";
const { execFileSync } = require("child_process");
const { Tokenizer } = require("@anush008/tokenizers");

const [bin, dir] = process.argv.slice(2);
const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const n = arg("--n", 2000);
let state = arg("--seed", 1) >>> 0;
const addSpecialTokens = process.argv.includes("--add-special-tokens");
function rand() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const PIECES = ["a", "the", "The", "HELLO", " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u3000", "\u2003",
  "\u200b", "\u200d", "'s", "'S", "'ll", "'re", "1", "12", "123", "1234567", "½", "٣", "é", "e\u0301", "ﬁ", "Å", "ß",
  "🤗", "👨\u200d👩\u200d👧", "🇯🇵", "日本語", "中文", "한국어", "Привет", "مرحبا", "नमस्ते", "▁", "▁▁", "Ġ", "<0x41>",
  "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<|begin_of_text|>", "<|eot_id|>", "<s>", "</s>",
  "<unk>", "<|im_start |>", "<", ">", "|", "!", "?", "...", "—", "-", "_", "__init__", "x²", "∑", "Ⓐ", "\u2160", "\u00ad", "\u0000", "\u007f",
  "\u0085", "\ufeff", "\ud800".slice(0, 0), "https://x.y/z?q=1", "don't", "CamelCase", "snake_case", "    return x", "\\"];
const texts = [];
for (let i = 0; i < n; i++) {
  const k = Math.floor(rand() * 12);
  let s = "";
  for (let j = 0; j < k; j++) s += PIECES[Math.floor(rand() * PIECES.length)];
  texts.push(s);
}

async function main() {
  const tok = Tokenizer.fromFile(dir + "/tokenizer.json");
  const args = ["tokenize", "--tokenizer", dir].concat(addSpecialTokens ? ["--add-special-tokens"] : []);
  const out = execFileSync(bin, args, { input: texts.map((t) => JSON.stringify({ text: t })).join("\n") + "\n",
                                        maxBuffer: 1 << 28 }).toString().trim().split("\n").map((l) => JSON.parse(l));
  let bad = 0;
  for (let i = 0; i < texts.length; i++) {
    const enc = await tok.encode(texts[i], null, { addSpecialTokens });
    const ids = enc.getIds(), tokens = enc.getTokens(), decoded = await tok.decode(ids, false);
    const o = out[i];
    if (JSON.stringify(ids) !== JSON.stringify(o.ids) || JSON.stringify(tokens) !== JSON.stringify(o.tokens) ||
        decoded !== o.decoded) {
      if (++bad <= 5) console.log("MISMATCH", JSON.stringify(texts[i]), "\n  hf ", JSON.stringify(ids), JSON.stringify(decoded),
                                  "\n  ours", JSON.stringify(o.ids), JSON.stringify(o.decoded));
    }
  }
  console.log(`${dir}: ${texts.length - bad}/${texts.length} agree`);
  process.exit(bad ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
