// HF tokenizers (Rust, through the napi package @anush008/tokenizers) on the
// same corpus and with the same method as bench_tokenizer: documents split on
// 0x1E, encoded one at a time (one encode in flight, so one Rust thread).
//   node scripts/bench/hf_bench.js TOKENIZER_JSON CORPUS [--passes N] [--add-special-tokens]
"use strict";
const fs = require("fs");
const { Tokenizer } = require("@anush008/tokenizers");

async function main() {
  const [tokPath, corpus] = process.argv.slice(2);
  const passesIdx = process.argv.indexOf("--passes");
  const passes = passesIdx > 0 ? Number(process.argv[passesIdx + 1]) : 3;
  const addSpecialTokens = process.argv.includes("--add-special-tokens");
  const buf = fs.readFileSync(corpus);
  const docs = buf.toString("utf8").split("\x1e").filter((d) => d.length > 0);
  const mb = buf.length / 1e6;

  const t0 = process.hrtime.bigint();
  const tok = Tokenizer.fromFile(tokPath);
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;

  let best = Infinity, first = 0, all = [];
  for (let p = 0; p < passes; p++) {
    const ids = [];
    const s = process.hrtime.bigint();
    for (const d of docs) {
      const enc = await tok.encode(d, null, { addSpecialTokens });
      ids.push(enc.getIds());
    }
    const secs = Number(process.hrtime.bigint() - s) / 1e9;
    if (p === 0) first = secs;
    best = Math.min(best, secs);
    all = ids;
  }
  // Same checksum as bench_tokenizer: c = c * 1000003 + id (mod 2^64).
  let checksum = 0n, tokens = 0;
  const M = (1n << 64n) - 1n;
  for (const ids of all) {
    tokens += ids.length;
    for (const id of ids) checksum = (checksum * 1000003n + BigInt(id)) & M;
  }
  console.log(`impl=hf-tokenizers docs=${docs.length} mb=${mb.toFixed(2)} load_s=${loadS.toFixed(2)} ` +
              `first_mbps=${(mb / first).toFixed(2)} best_mbps=${(mb / best).toFixed(2)} passes=${passes} ` +
              `tokens=${tokens} checksum=${checksum}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
