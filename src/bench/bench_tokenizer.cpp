// Tokenizer throughput: encodes the documents of a file (separated by the
// ASCII record separator 0x1E) one at a time on one thread and prints MB/s.
// scripts/bench-tokenizer.sh runs it next to HF's Rust tokenizers.
//
//   bench_tokenizer --tokenizer third_party_npm/qwen3/tokenizer.json --input corpus.txt [--passes 3]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: bench_tokenizer --tokenizer PATH --input FILE [--passes N] [--add-special-tokens]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tokenizer_path, input_path;
  int passes = 3;
  bool add_special = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tokenizer" && i + 1 < argc) {
      tokenizer_path = argv[++i];
    } else if (a == "--input" && i + 1 < argc) {
      input_path = argv[++i];
    } else if (a == "--passes" && i + 1 < argc) {
      passes = std::atoi(argv[++i]);
    } else if (a == "--add-special-tokens") {
      add_special = true;
    } else {
      return usage();
    }
  }
  if (tokenizer_path.empty() || input_path.empty() || passes < 1) return usage();
  try {
    std::ifstream in(input_path, std::ios::binary);
    if (!in) throw ragforge::Error("cannot read '" + input_path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    std::vector<std::string> docs;
    for (size_t pos = 0; pos <= all.size();) {
      size_t end = all.find('\x1e', pos);
      if (end == std::string::npos) end = all.size();
      if (end > pos) docs.push_back(all.substr(pos, end - pos));
      pos = end + 1;
    }

    const auto t0 = std::chrono::steady_clock::now();
    const auto tok = ragforge::tokenizer::Tokenizer::from_file(tokenizer_path);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    double best = 1e30, first = 0;
    uint64_t tokens = 0, checksum = 0;
    for (int p = 0; p < passes; ++p) {
      tokens = 0;
      checksum = 0;
      const auto s = std::chrono::steady_clock::now();
      for (const std::string& d : docs) {
        const auto enc = tok.encode(d, add_special);
        tokens += enc.ids.size();
        for (int32_t id : enc.ids) checksum = checksum * 1000003u + uint64_t(id);
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
      if (p == 0) first = secs;
      best = std::min(best, secs);
    }
    const double mb = double(all.size()) / 1e6;
    std::printf("impl=ragforge docs=%zu mb=%.2f load_s=%.2f first_mbps=%.2f best_mbps=%.2f passes=%d tokens=%llu "
                "checksum=%llu\n",
                docs.size(), mb, load_s, mb / first, mb / best, passes, static_cast<unsigned long long>(tokens),
                static_cast<unsigned long long>(checksum));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
