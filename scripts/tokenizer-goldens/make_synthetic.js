// Regenerates tests/data/tokenizers/synthetic/: small tokenizer.json files
// that exercise the components and options the three real tokenizers do not
// (Metaspace schemes, Digits, every Split behaviour, normalizers, added-token
// flags, unk/fuse_unk/byte_fallback, subword prefix/suffix, ignore_merges,
// other decoders and post-processors), with goldens from HF tokenizers itself
// (Rust, through the napi package @anush008/tokenizers@0.6.0).
//
//   NODE_PATH=third_party_npm/node_modules node scripts/tokenizer-goldens/make_synthetic.js
// (scripts/bench-tokenizer.sh installs the package there.)
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("@anush008/tokenizers");

const outDir = path.resolve(__dirname, "..", "..", "tests", "data", "tokenizers", "synthetic");

const ASCII = [];
for (let c = 32; c < 127; c++) ASCII.push(String.fromCharCode(c));

// A BPE model whose vocab holds `specials`, optional byte tokens, `chars`
// (with the subword prefix / end-of-word suffix variants) and every merge result.
function bpe({ chars, merges, specials = [], byteFallback = false, prefix = null, suffix = null, unk = null,
               fuseUnk = false, ignoreMerges = false, extra = [] }) {
  const vocab = {};
  const add = (t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  specials.forEach(add);
  if (byteFallback)
    for (let b = 0; b < 256; b++) add("<0x" + b.toString(16).toUpperCase().padStart(2, "0") + ">");
  for (const c of chars) {
    add(c);
    if (prefix) add(prefix + c);
    if (suffix) { add(c + suffix); if (prefix) add(prefix + c + suffix); }
  }
  extra.forEach(add);
  for (const m of merges) {
    const [a, b] = m.split(" ");
    add(a); add(b);
    add(a + (prefix && b.startsWith(prefix) ? b.slice(prefix.length) : b));
  }
  return { type: "BPE", dropout: null, unk_token: unk, continuing_subword_prefix: prefix, end_of_word_suffix: suffix,
           fuse_unk: fuseUnk, byte_fallback: byteFallback, ignore_merges: ignoreMerges, vocab, merges };
}

function added(id, content, o = {}) {
  return { id, content, single_word: !!o.single_word, lstrip: !!o.lstrip, rstrip: !!o.rstrip,
           normalized: !!o.normalized, special: !!o.special };
}

function tokenizerJson({ model, normalizer = null, pre_tokenizer = null, post_processor = null, decoder = null,
                         addedTokens = [] }) {
  // Added tokens not in the vocab get the ids after it.
  let next = Object.keys(model.vocab).length;
  const tokens = addedTokens.map(([content, o]) =>
    added(content in model.vocab ? model.vocab[content] : next++, content, o));
  return { version: "1.0", truncation: null, padding: null, added_tokens: tokens, normalizer, pre_tokenizer,
           post_processor, decoder, model };
}

const template = (before, after) => ({
  type: "TemplateProcessing",
  single: [...before.map((id) => ({ SpecialToken: { id, type_id: 0 } })), { Sequence: { id: "A", type_id: 0 } },
           ...after.map((id) => ({ SpecialToken: { id, type_id: 0 } }))],
  pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
  special_tokens: {},
});
function withSpecials(tpl, vocabOf) {
  for (const item of tpl.single)
    if (item.SpecialToken) {
      const id = item.SpecialToken.id;
      tpl.special_tokens[id] = { id, ids: [vocabOf(id)], tokens: [id] };
    }
  return tpl;
}

const WORDS = ["t h", "th e", "i n", "in g", "e r", "a n", "an d", "o n", "l l", "ll o", "h e", "he llo"];
const META = ["▁ t", "▁t h", "▁th e", "i n", "in g", "▁ a", "▁a n", "▁an d", "l l", "e ll", "ell o", "H ello",
              "▁ H", "▁H ello", "▁ ▁", "▁▁ ▁"];
const UNICODE = ["é", "ß", "日", "本", "ﬁ", "Ａ", "☃", "½", "٣"];

const TEXTS = [
  "Hello world", "", " ", "  leading and trailing  ", "the thing and the ring", "a  b   c", "tabs\tand\nnewlines\r\n",
  "numbers 0 12 345 6789 ½ ٣", "Ünïcödé ﬁne ＡＢＣ 日本 ß", "CamelCase snake_case kebab-case--x __y__",
  "x <mask> y", "x<mask>y", "<s>inner</s>", "[w] a[w]b [w]. ([w])", "HELLO hello Hello", "snow ☃ man",
  "control \u0001 char", "emoji 🤗!", "----", "a-b--c_d", "end.", "xxhello there", "\u0301e\u0301 accent first",
  "12 leading digits", "  x  ",
];

const configs = {};

{ // SentencePiece-like: Metaspace "first", byte fallback, template, lstrip/rstrip and single_word added tokens.
  const model = bpe({ chars: ASCII.concat(["▁"]), merges: META, specials: ["<unk>", "<s>", "</s>"],
                      byteFallback: true, unk: "<unk>", fuseUnk: true });
  configs.metaspace_first = tokenizerJson({
    model,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true },
    post_processor: withSpecials(template(["<s>"], ["</s>"]), (t) => model.vocab[t]),
    decoder: { type: "Sequence", decoders: [{ type: "ByteFallback" }, { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }] },
    addedTokens: [["<unk>", { special: true }], ["<s>", { special: true }], ["</s>", { special: true }],
                  ["<mask>", { special: true, lstrip: true, rstrip: true }], ["[w]", { single_word: true }]],
  });
}
{ // Metaspace "always" without splitting; unk without byte fallback, not fused.
  const model = bpe({ chars: ASCII.slice(0, 60).concat(["▁"]), merges: META.slice(0, 8), specials: ["<unk>"], unk: "<unk>" });
  configs.metaspace_always_nosplit = tokenizerJson({
    model,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: false },
    decoder: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: false },
    addedTokens: [["<unk>", { special: true }], ["<mask>", { special: true, lstrip: true }]],
  });
}
{ // Metaspace "never", legacy add_prefix_space form in the decoder.
  const model = bpe({ chars: ASCII.concat(["▁"]), merges: META, specials: ["<unk>"], unk: "<unk>", fuseUnk: true });
  configs.metaspace_never = tokenizerJson({
    model,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "never", split: true },
    decoder: { type: "Metaspace", replacement: "▁", add_prefix_space: false, prepend_scheme: "never" },
    addedTokens: [["<unk>", { special: true }]],
  });
}
{ // Normalizers, Digits, Punctuation, subword prefix, Bert-style post-processing, normalized added tokens.
  const model = bpe({ chars: ASCII.concat(UNICODE), merges: ["t ##h", "th ##e", "##i ##n", "##in ##g", "a ##n", "an ##d", "h ##e", "he ##l", "hel ##l", "hell ##o"],
                      specials: ["[UNK]", "[CLS]", "[SEP]"], prefix: "##", unk: "[UNK]" });
  configs.normalizers_prefix = tokenizerJson({
    model,
    normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Lowercase" },
                  { type: "Strip", strip_left: true, strip_right: true },
                  { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Punctuation", behavior: "Isolated" },
                     { type: "Digits", individual_digits: true }] },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", model.vocab["[SEP]"]], cls: ["[CLS]", model.vocab["[CLS]"]] },
    decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "##" }, content: "" }, { type: "Fuse" },
               { type: "Strip", content: "x", start: 1, stop: 0 }] },
    addedTokens: [["[UNK]", { special: true }], ["[CLS]", { special: true }], ["[SEP]", { special: true }],
                  ["HELLO", { normalized: true }], ["<s>", { special: true, normalized: true }]],
  });
}
{ // End-of-word suffix, ignore_merges, Whitespace pre-tokenizer, BPEDecoder, NFD + StripAccents, contiguous digits.
  const model = bpe({ chars: ASCII, merges: ["t h", "th e</w>", "i n", "in g</w>", "a n", "an d</w>"], suffix: "</w>",
                      specials: ["<unk>"], unk: "<unk>", ignoreMerges: true, extra: ["thing", "Hello", "xyzzy"] });
  configs.suffix_ignore_merges = tokenizerJson({
    model,
    normalizer: { type: "Sequence", normalizers: [{ type: "NFD" }, { type: "StripAccents" }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Whitespace" }, { type: "Digits", individual_digits: false }] },
    decoder: { type: "BPEDecoder", suffix: "</w>" },
    addedTokens: [["<unk>", { special: true }]],
  });
}
{ // GPT-2/RoBERTa: ByteLevel with its own regex and add_prefix_space.
  const bytes = [];
  for (let b = 0; b < 256; b++) bytes.push(b);
  const byteChar = (b) => ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174)) ? String.fromCodePoint(b) : null;
  let n = 0;
  const chars = bytes.map((b) => byteChar(b) || String.fromCodePoint(256 + n++));
  const model = bpe({ chars, merges: ["Ġ t", "Ġt h", "Ġth e", "h e", "l l", "ll o", "Ġ a", "Ġa n", "Ġan d", "i n", "in g", "Ġ Ġ", "ĠĠ Ġ"],
                      specials: ["<s>", "<pad>", "</s>", "<unk>"] });
  configs.byte_level_roberta = tokenizerJson({
    model,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: "RobertaProcessing", sep: ["</s>", 2], cls: ["<s>", 0], trim_offsets: true, add_prefix_space: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    addedTokens: [["<s>", { special: true }], ["<pad>", { special: true }], ["</s>", { special: true }], ["<unk>", { special: true }],
                  ["<mask>", { special: true, lstrip: true }]],
  });
}
// Metaspace "first" after normalizers that delete leading characters: HF
// then no longer sees the text start at the original offset 0.
for (const [name, preTokenizer] of [
  ["strip_metaspace_first", { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }],
  ["strip_split_metaspace_first", { type: "Sequence", pretokenizers: [
    { type: "Split", pattern: { Regex: "\\d+" }, behavior: "Isolated", invert: false },
    { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }] }]]) {
  const model = bpe({ chars: ASCII.concat(["▁"]), merges: META, specials: ["<unk>"], unk: "<unk>", byteFallback: true });
  configs[name] = tokenizerJson({
    model,
    normalizer: { type: "Sequence", normalizers: [{ type: "NFD" }, { type: "StripAccents" }, { type: "Strip", strip_left: true, strip_right: false },
                  { type: "Replace", pattern: { String: "x" }, content: "" }] },
    pre_tokenizer: preTokenizer,
    decoder: { type: "Sequence", decoders: [{ type: "ByteFallback" }, { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }] },
    addedTokens: [["<unk>", { special: true }], ["<mask>", { special: true }]],
  });
}
// Every Split behaviour, plain and inverted, on a regex and on a literal.
for (const behavior of ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]) {
  for (const invert of [false, true]) {
    const model = bpe({ chars: ASCII, merges: WORDS, specials: ["<unk>"], unk: "<unk>" });
    configs[`split_${behavior}_${invert ? "inverted" : "plain"}`] = tokenizerJson({
      model,
      pre_tokenizer: { type: "Sequence", pretokenizers: [
        { type: "Split", pattern: { Regex: "[-_]+|\\s" }, behavior, invert },
        { type: "Split", pattern: { String: "e" }, behavior, invert: false }] },
      addedTokens: [["<unk>", { special: true }]],
    });
  }
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, cfg] of Object.entries(configs)) {
    const file = path.join(outDir, `${name}.tokenizer.json`);
    fs.writeFileSync(file, JSON.stringify(cfg));
    const tok = Tokenizer.fromFile(file);
    const rows = [];
    for (const [i, text] of TEXTS.entries()) {
      const plain = await tok.encode(text, null, { addSpecialTokens: false });
      const special = await tok.encode(text, null, { addSpecialTokens: true });
      const ids = plain.getIds(), ids_with_special = special.getIds();
      rows.push(JSON.stringify({ i, text, ids, tokens: plain.getTokens(), ids_with_special,
        special_tokens_mask: special.getSpecialTokensMask(), decoded: await tok.decode(ids, false),
        decoded_skip_special: await tok.decode(ids_with_special, true) }));
    }
    fs.writeFileSync(path.join(outDir, `${name}.jsonl`), rows.join("\n") + "\n");
    console.log(`${name}: ${rows.length} lines`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
