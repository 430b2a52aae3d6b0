// Regenerates tests/data/tokenizers/added_special_tokens.jsonl: what HF
// tokenizers itself (Rust, through the napi package @anush008/tokenizers@0.6.0)
// does when transformers' add_special_tokens({"additional_special_tokens": [...]})
// adds tokens (AddedToken(t, special=True, normalized=False), no strips) to the
// three real tokenizers: the count it returns, each token's id, len(tokenizer),
// the added_tokens entries its save() writes that the loaded file lacks, and
// encode/decode of texts around the tokens.
//
//   NODE_PATH=third_party_npm/node_modules node scripts/tokenizer-goldens/make_added_special.js
// (scripts/bench-tokenizer.sh installs the package there.)
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { Tokenizer, AddedToken } = require("@anush008/tokenizers");

const root = path.resolve(__dirname, "..", "..");
const out = path.join(root, "tests", "data", "tokenizers", "added_special_tokens.jsonl");

// Each case: a tokenizer and one or more add calls, applied in order.
const cases = [
  { name: "mistral_v01_sp32k", calls: [["<MEM0>", "<MEM1>", "</s>", "<MEM0>", "<AE>", "<ENC>", "<SEP>"]],
    texts: ["<ENC>Hello world<MEM0><MEM1>", "a<MEM0>b", "Hello<MEM1> world<AE>", "</s>x<SEP>", "<MEM01><MEM0 x",
            "[INST] q [/INST]<SEP> answer</s>"] },
  // A model token ("hello") keeps its id and becomes special; a second call continues the ids.
  { name: "mistral_v01_sp32k", calls: [["<MEM0>", "hello"], ["<X>", "<MEM0>"]],
    texts: ["say hello<X>", "hello<MEM0>hello"] },
  // "<think>" is added but not special in Qwen3: it keeps 151667 and becomes special.
  { name: "qwen3", calls: [["<MEM0>", "<|im_end|>", "<think>", "<CONFIDENCE>", "<MEM0>"]],
    texts: ["<|im_start|>user\nHi<CONFIDENCE> 0.9<|im_end|>", "a<MEM0>b", "<think>x</think><MEM0> 日本",
            "  <MEM0>  ", "<CONFIDENCE><CONFIDENCE>"] },
  { name: "llama3_1", calls: [["<MEM0>", "<|eot_id|>", "<AE>"]],
    texts: ["<|begin_of_text|>Hi<MEM0> there<AE>", "x<AE>y<|eot_id|>"] },
];

(async () => {
  const lines = [];
  for (const c of cases) {
    const file = path.join(root, "third_party_npm", c.name, "tokenizer.json");
    const before = JSON.parse(fs.readFileSync(file, "utf8")).added_tokens;
    const known = new Map(before.map((t) => [t.id, JSON.stringify(t)]));
    const tok = Tokenizer.fromFile(file);
    const counts = [];
    for (const call of c.calls)
      counts.push(tok.addAddedTokens(call.map((t) => new AddedToken(t, true, { normalized: false }))));
    const ids = {};
    for (const call of c.calls) for (const t of call) ids[t] = tok.tokenToId(t);
    const saved = path.join(os.tmpdir(), "make_added_special." + process.pid + ".json");
    tok.save(saved, true);
    const after = JSON.parse(fs.readFileSync(saved, "utf8")).added_tokens;
    fs.unlinkSync(saved);
    const texts = [];
    for (const text of c.texts) {
      const plain = await tok.encode(text, null, { addSpecialTokens: false });
      const special = await tok.encode(text, null, { addSpecialTokens: true });
      texts.push({ text, ids: plain.getIds(), tokens: plain.getTokens(), ids_with_special: special.getIds(),
                   decoded: await tok.decode(plain.getIds(), false),
                   decoded_skip_special: await tok.decode(special.getIds(), true) });
    }
    lines.push(JSON.stringify({
      tokenizer: c.name, calls: c.calls, counts, ids, vocab_size: tok.getVocabSize(true),
      vocab_size_base: tok.getVocabSize(false), added_tokens_count: after.length,
      new_added_tokens: after.filter((t) => known.get(t.id) !== JSON.stringify(t)), texts }));
  }
  fs.writeFileSync(out, lines.join("\n") + "\n");
  console.log("wrote " + out);
})();
