// `inference` end to end through the real executable, on the golden Llama
// (HF's weights) with a tokenizer whose 256 tokens are "<t0>".."<t255>", so a
// text is its token ids: greedy output equals the argmax chain of
// `ragforge logits`, batching and the KV cache do not change it, and a run
// killed at any point resumes to exactly one line per row.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

extern char** environ;

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

std::string tok(int id) { return "<t" + std::to_string(id) + ">"; }

// The golden Llama (vocab 256) plus a tokenizer of 256 added tokens "<tN>" = id N.
std::string make_model(const ScratchDir& dir) {
  const std::string model = dir / "model", golden = source_dir() + "/tests/data/golden/llama";
  fs::create_directories(model);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors"})
    fs::copy_file(golden + "/" + f, model + "/" + f);
  nlohmann::json vocab = nlohmann::json::object(), added = nlohmann::json::array();
  for (int i = 0; i < 256; ++i) {
    vocab[tok(i)] = i;
    added.push_back({{"id", i}, {"content", tok(i)}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", false}});
  }
  nlohmann::json t = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr},
                      {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", {{"type", "Fuse"}}},
                      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
  write_file(model + "/tokenizer.json", t.dump());
  // system → <t3>, user → <t4>, generation prompt <t5>.
  nlohmann::json cfg = {
      {"eos_token", tok(2)},
      {"chat_template",
       "{% for m in messages %}{% if m['role'] == 'system' %}<t3>{{ m['content'] }}{% else %}<t4>{{ m['content'] "
       "}}{% endif %}{% endfor %}{% if add_generation_prompt %}<t5>{% endif %}"}};
  write_file(model + "/tokenizer_config.json", cfg.dump());
  write_file(dir / "instruction.txt", tok(7) + tok(8));
  return model;
}

// Row r's query: 2..6 tokens, so batches are left-padded.
std::vector<int> query_ids(int r) {
  std::vector<int> ids;
  for (int k = 0; k < 2 + r % 5; ++k) ids.push_back(10 + (r * 7 + k * 13) % 200);
  return ids;
}

std::string make_data(const ScratchDir& dir, int rows, const std::string& name = "data.jsonl") {
  std::string text;
  for (int r = 0; r < rows; ++r) {
    std::string q;
    for (int id : query_ids(r)) q += tok(id);
    text += nlohmann::json({{"prompt", q}, {"answers", {"answer " + std::to_string(r)}}}).dump() + "\n";
  }
  write_file(dir / name, text);
  return dir / name;
}

std::vector<std::string> inference_args(const ScratchDir& dir, const std::string& model, const std::string& data,
                                        const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {ragforge_bin(), "inference", "model.model_name_or_path=" + model,
                                   "model.instruction=" + (dir / "instruction.txt"), "data_file=" + data,
                                   "generated_file=" + out, "hydra.run.dir=" + (dir / "run")};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

// ---- `ragforge logits`, one call per token --------------------------------------------

void write_input_ids(const std::string& path, const std::vector<int64_t>& ids) {
  nlohmann::json header = {{"input_ids", {{"dtype", "I64"},
                                          {"shape", {1, static_cast<int64_t>(ids.size())}},
                                          {"data_offsets", {0, 8 * ids.size()}}}}};
  std::string h = header.dump();
  while (h.size() % 8) h += ' ';
  const uint64_t n = h.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  bytes += h;
  bytes.append(reinterpret_cast<const char*>(ids.data()), 8 * ids.size());
  write_file(path, bytes);
}

// argmax over the vocabulary at the last position of `logits` [1, T, V] (F32).
int64_t last_argmax(const std::string& path) {
  const std::string bytes = read_file(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  const auto& l = header.at("logits");
  EXPECT_EQ(l.at("dtype"), "F32");
  const int64_t T = l["shape"][1], V = l["shape"][2];
  const char* base = bytes.data() + 8 + n + l["data_offsets"][0].get<uint64_t>();
  std::vector<float> row(static_cast<size_t>(V));
  std::memcpy(row.data(), base + 4 * (T - 1) * V, 4 * static_cast<size_t>(V));
  return std::max_element(row.begin(), row.end()) - row.begin();
}

std::vector<int64_t> logits_chain(const ScratchDir& dir, const std::string& model, std::vector<int64_t> ids, int n) {
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    write_input_ids(dir / "in.safetensors", ids);
    auto r = run_process({ragforge_bin(), "logits", "--model", model, "--inputs", dir / "in.safetensors", "--out",
                          dir / "out.safetensors"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return out;
    const int64_t next = last_argmax(dir / "out.safetensors");
    out.push_back(next);
    ids.push_back(next);
  }
  return out;
}

TEST(InferenceCli, GreedyOutputIsTheArgmaxChainOfRagforgeLogits) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 2), out = dir / "gen.jsonl";
  const int n = 5;
  auto r = run_process(inference_args(dir, model, data, out,
                                      {"batch_size=2", "model.generation.max_new_tokens=" + std::to_string(n)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u);
  for (int row = 0; row < 2; ++row) {
    std::vector<int64_t> prompt = {3, 7, 8, 4};  // <system> instruction <user> query <generation prompt>
    for (int id : query_ids(row)) prompt.push_back(id);
    prompt.push_back(5);
    std::string expected;
    for (int64_t id : logits_chain(dir, model, prompt, n)) {
      if (id == 2) break;  // eos ends the answer
      expected += tok(static_cast<int>(id));
    }
    EXPECT_EQ(lines[static_cast<size_t>(row)]["text"], expected) << "row " << row;
    EXPECT_EQ(lines[static_cast<size_t>(row)]["target"], nlohmann::json::array({"answer " + std::to_string(row)}));
  }
}

TEST(InferenceCli, BatchingAndTheKvCacheDoNotChangeGreedyOutput) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 7);
  auto run = [&](const std::string& name, std::vector<std::string> extra) {
    extra.push_back("model.generation.max_new_tokens=12");
    auto r = run_process(inference_args(dir, model, data, dir / name, extra));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(dir / name);
  };
  const std::string one = run("b1.jsonl", {"batch_size=1"});
  EXPECT_EQ(lines_of(dir / "b1.jsonl").size(), 7u);
  EXPECT_EQ(run("b4.jsonl", {"batch_size=4"}), one);
  EXPECT_EQ(run("b3_nocache.jsonl", {"batch_size=3", "use_cache=false"}), one);
  // Sampling is seeded: the same seed gives the same file.
  const std::string s1 = run("s1.jsonl", {"batch_size=2", "model.generation.do_sample=true", "seed=5",
                                          "model.generation.top_k=20", "model.generation.temperature=0.7"});
  EXPECT_EQ(run("s2.jsonl", {"batch_size=2", "model.generation.do_sample=true", "seed=5",
                             "model.generation.top_k=20", "model.generation.temperature=0.7"}),
            s1);
}

TEST(InferenceCli, LinesAreWrittenAsPythonsJsonDumpsAndSamplingResumesExactly) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 8);
  const std::vector<std::string> sampled = {"batch_size=2", "model.generation.do_sample=true", "seed=3",
                                            "model.generation.max_new_tokens=10"};
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    extra.insert(extra.end(), sampled.begin(), sampled.end());
    auto r = run_process(inference_args(dir, model, data, out, extra));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  run(dir / "whole.jsonl", {});
  EXPECT_EQ(read_file(dir / "whole.jsonl").rfind("{\"text\": \"", 0), 0u) << read_file(dir / "whole.jsonl");
  EXPECT_NE(read_file(dir / "whole.jsonl").find("\", \"target\": [\"answer 0\"]}\n"), std::string::npos);
  // Stopped after 4 rows, then resumed: the same draws as one uninterrupted run.
  run(dir / "parts.jsonl", {"limit=4"});
  EXPECT_EQ(lines_of(dir / "parts.jsonl").size(), 4u);
  run(dir / "parts.jsonl", {});
  EXPECT_EQ(read_file(dir / "parts.jsonl"), read_file(dir / "whole.jsonl"));
  // A generated file of other rows is not resumed.
  const std::string other = make_data(dir, 8, "other.jsonl");
  write_file(dir / "other.jsonl", read_file(other).replace(read_file(other).find("answer 0"), 8, "answer X"));
  auto r = run_process(inference_args(dir, model, dir / "other.jsonl", dir / "parts.jsonl", sampled));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("parts.jsonl:1: does not answer"), std::string::npos) << r.err;
}

TEST(InferenceCli, MaxLengthCountsEachRowsOwnPrompt) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 5);
  auto run = [&](const std::string& name, const std::string& batch) {
    auto r = run_process(inference_args(dir, model, data, dir / name,
                                        {batch, "model.generation.max_new_tokens=null", "model.generation.max_length=14",
                                         "model.instruction=null"}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return lines_of(dir / name);
  };
  const auto one = run("b1.jsonl", "batch_size=1"), five = run("b5.jsonl", "batch_size=5");
  ASSERT_EQ(one.size(), 5u);
  for (int row = 0; row < 5; ++row) {
    EXPECT_EQ(one[static_cast<size_t>(row)], five[static_cast<size_t>(row)]) << "row " << row;
    // The prompt is <t4> query <t5>; new tokens fill up to 14 at most.
    const std::string text = one[static_cast<size_t>(row)]["text"];
    const auto n_new = static_cast<size_t>(std::count(text.begin(), text.end(), '<'));
    EXPECT_LE(n_new, 14 - (query_ids(row).size() + 2)) << text;
  }
}

pid_t spawn(const std::vector<std::string>& args, const std::string& err_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

size_t count_lines(const std::string& path) {
  const std::string t = read_file(path);
  return static_cast<size_t>(std::count(t.begin(), t.end(), '\n'));
}

// Kills the run once `path` holds at least `lines` lines; returns the exit status.
int kill_after(pid_t pid, const std::string& path, size_t lines, int sig) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(path) < lines && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(InferenceCli, AKilledOrInterruptedRunResumesToExactlyOneLinePerRow) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 30);
  const std::vector<std::string> gen = {"batch_size=1", "model.generation.max_new_tokens=40"};
  auto clean = run_process(inference_args(dir, model, data, dir / "clean.jsonl", gen));
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const std::string reference = read_file(dir / "clean.jsonl");

  // SIGKILL mid-run, then a torn half line as a crash inside write() leaves it.
  const std::string out = dir / "gen.jsonl";
  EXPECT_EQ(kill_after(spawn(inference_args(dir, model, data, out, gen), dir / "err1.txt"), out, 3, SIGKILL), 137);
  const size_t kept = count_lines(out);
  ASSERT_GE(kept, 3u);
  ASSERT_LT(kept, 30u) << "the run finished before it was killed";
  std::ofstream(out, std::ios::app) << "{\"text\": \"<t9";
  // SIGTERM: the batch finishes, the run exits 143 and says how to resume.
  EXPECT_EQ(kill_after(spawn(inference_args(dir, model, data, out, gen), dir / "err2.txt"), out, kept + 2, SIGTERM),
            143);
  EXPECT_NE(read_file(dir / "err2.txt").find("cut a torn last line"), std::string::npos) << read_file(dir / "err2.txt");
  auto r = run_process(inference_args(dir, model, data, out, gen));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(out), reference);
  // Complete: a rerun changes nothing.
  r = run_process(inference_args(dir, model, data, out, gen));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing to do"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out), reference);
}

TEST(InferenceCli, BadInputsAreClearErrors) {
  ScratchDir dir;
  const std::string model = make_model(dir), data = make_data(dir, 3);
  // A row without the target key: file:line and the key to set.
  write_file(dir / "no_target.jsonl", "{\"prompt\": \"<t10>\", \"answers\": [\"a\"]}\n{\"prompt\": \"<t11>\"}\n");
  auto r = run_process(inference_args(dir, model, dir / "no_target.jsonl", dir / "g1.jsonl"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no_target.jsonl:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target_key"), std::string::npos) << r.err;
  // An output being resumed with a broken line in the middle is left alone.
  write_file(dir / "broken.jsonl", "{\"text\": \"a\", \"target\": 1}\nnot json\n");
  r = run_process(inference_args(dir, model, data, dir / "broken.jsonl"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("broken.jsonl:2"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "broken.jsonl"), "{\"text\": \"a\", \"target\": 1}\nnot json\n");
  // lora_path at a full model folder says what to set instead.
  r = run_process(inference_args(dir, model, data, dir / "g2.jsonl", {"model.lora_path=" + model}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("model.model_name_or_path=" + model), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "g2.jsonl"));  // a run that fails before its first row leaves no output
  // Config mistakes stop before the run dir exists.
  ScratchDir fresh;
  r = run_process(inference_args(fresh, model, data, fresh / "g3.jsonl", {"model.generation.return_full_text=true"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("return_full_text"), std::string::npos) << r.err;
  r = run_process(inference_args(fresh, model, data, fresh / "g3.jsonl", {"model.load_in_8bit=true"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("quantized base weights"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(fresh / "run"));
  EXPECT_FALSE(fs::exists(fresh / "g3.jsonl"));
}

}  // namespace
}  // namespace ragforge::testing
