// `ragforge processing` through the real executable, as users run it:
// `processing -cp <config dir> -cn <name> hydra.run.dir=...` in a scratch
// folder. The written {prefix}-{split}.jsonl files, the step cache (hits,
// misses, what it says), the errors (exit 1, a message naming the file, line,
// step or key, no output left behind), retrieval over a `ragforge index`
// folder, and the shipped configs with the overrides their headers give.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "processing/processing_test_util.h"
#include "support/subprocess.h"

namespace ragforge::processing {
namespace {

namespace fs = std::filesystem;
using ragforge::testing::ProcessOptions;
using ragforge::testing::ProcessResult;
using ragforge::testing::ragforge_bin;
using ragforge::testing::run_process;
using testing::ScratchDir;

const char* kTrain =
    R"({"query": "who wrote hamlet", "answers": ["Shakespeare"], "positive_passages": [{"title": "Hamlet", "content": "A tragedy by Shakespeare."}, {"title": "Globe", "content": "A theatre."}, {"title": "Elsinore", "content": "A castle."}]})"
    "\n"
    R"({"query": "capital of france", "answers": ["Paris"], "positive_passages": [{"title": "Paris", "content": "The capital of France."}]})"
    "\n";
const char* kDev =
    R"({"query": "largest planet", "answers": ["Jupiter"], "positive_passages": [{"title": "Jupiter", "content": "The largest planet."}, {"title": "Saturn", "content": "Has rings."}]})"
    "\n";

// A pipeline over train.jsonl and dev.jsonl in the scratch folder.
std::string context_pipeline(bool cache) {
  return std::string("name: ctx\ncache: ") + (cache ? "true" : "false") +
         "\noutput_path: .\nsteps:\n"
         "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: train\n    filename: train.jsonl\n"
         "  - _target_: ragfoundry.processing.dataset_loaders.loaders.LocalLoader\n    inputs: dev\n    filename: dev.jsonl\n"
         "  - _target_: ragfit.processing.local_steps.context.ContextHandler\n    inputs: [train, dev]\n"
         "    docs_key: positive_passages\n"
         "  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: [train, dev]\n"
         "    docs_key: positive_passages\n    k: 2\n"
         "  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: [train, dev]\n"
         "    prompt_file: prompt.txt\n    output_key: prompt\n"
         "    mapping: {question: query, context: positive_passages, answers: answers}\n"
         "  - _target_: ragforge.processing.OutputData\n    inputs: [train, dev]\n    prefix: out\n";
}

const char* kPrompt = "Question: {question}\nContext:\n{context}\nAnswers so far: {answers}";

const char* kExpectedTrain =
    R"({"query":"who wrote hamlet","answers":["Shakespeare"],"positive_passages":"Hamlet: A tragedy by Shakespeare.\nGlobe: A theatre.","prompt":"Question: who wrote hamlet\nContext:\nHamlet: A tragedy by Shakespeare.\nGlobe: A theatre.\nAnswers so far: ['Shakespeare']"})"
    "\n"
    R"({"query":"capital of france","answers":["Paris"],"positive_passages":"Paris: The capital of France.","prompt":"Question: capital of france\nContext:\nParis: The capital of France.\nAnswers so far: ['Paris']"})"
    "\n";
const char* kExpectedDev =
    R"({"query":"largest planet","answers":["Jupiter"],"positive_passages":"Jupiter: The largest planet.\nSaturn: Has rings.","prompt":"Question: largest planet\nContext:\nJupiter: The largest planet.\nSaturn: Has rings.\nAnswers so far: ['Jupiter']"})"
    "\n";

class ProcessingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("train.jsonl", kTrain);
    dir_.write("dev.jsonl", kDev);
    dir_.write("prompt.txt", kPrompt);
  }

  // `ragforge processing -cp conf -cn <name> hydra.run.dir=run<n> <overrides>` in the scratch folder.
  ProcessResult processing(const std::string& name, std::vector<std::string> overrides = {},
                           const std::string& config_dir = "conf") {
    std::vector<std::string> argv = {ragforge_bin(), "processing", "-cp", config_dir, "-cn", name,
                                     "hydra.run.dir=run" + std::to_string(runs_++)};
    argv.insert(argv.end(), overrides.begin(), overrides.end());
    ProcessOptions opts;
    opts.cwd = dir_.path();
    return run_process(argv, opts);
  }

  ScratchDir dir_;
  int runs_ = 0;
};

TEST_F(ProcessingCli, WritesPrefixSplitFilesWithTheExpectedExamples) {
  dir_.write("conf/ctx.yaml", context_pipeline(false));
  const ProcessResult r = processing("ctx");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(dir_.read("out-train.jsonl"), kExpectedTrain);
  EXPECT_EQ(dir_.read("out-dev.jsonl"), kExpectedDev);
  EXPECT_CONTAINS(r.out, "processing 'ctx': 6 steps; cache: off");
  EXPECT_CONTAINS(r.out, "[1/6] LocalLoader -> 'train': 2 examples");
  EXPECT_CONTAINS(r.out, "[4/6] DocumentsJoiner 'dev': 1 example (");
  EXPECT_CONTAINS(r.out, "wrote out-train.jsonl (2 examples)");
  EXPECT_FALSE(dir_.exists("cache"));
  EXPECT_TRUE(dir_.exists("run0/.hydra/config.yaml"));
}

TEST_F(ProcessingCli, SecondRunReusesTheCacheAndAChangedStepRecomputes) {
  dir_.write("conf/ctx.yaml", context_pipeline(true));
  const ProcessResult first = processing("ctx");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_CONTAINS(first.out, "cache: ./cache/ctx");
  EXPECT_CONTAINS(first.out, "[3/6] ContextHandler 'train': 2 examples (");
  EXPECT_CONTAINS(first.out, "), cached");
  size_t cache_files = 0;
  for (const auto& e : fs::directory_iterator(dir_.path() + "/cache/ctx")) {
    ++cache_files;
    EXPECT_EQ(e.path().extension(), ".jsonl");
  }
  EXPECT_EQ(cache_files, 6u);  // 3 steps x 2 datasets (loaders and OutputData are not cached)
  const std::string train = dir_.read("out-train.jsonl"), dev = dir_.read("out-dev.jsonl");
  EXPECT_EQ(train, kExpectedTrain);

  const ProcessResult second = processing("ctx");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_CONTAINS(second.out, "[3/6] ContextHandler 'train': reused from the cache (./cache/ctx/ContextHandler-train-");
  EXPECT_CONTAINS(second.out, "[5/6] TextPrompter 'dev': reused from the cache");
  EXPECT_CONTAINS(second.out, "[1/6] LocalLoader -> 'train': not read");
  EXPECT_CONTAINS(second.out, "(2 computed, 8 reused from the cache or not needed)");  // the two OutputData units
  EXPECT_EQ(dir_.read("out-train.jsonl"), train);
  EXPECT_EQ(dir_.read("out-dev.jsonl"), dev);

  // A changed parameter recomputes that step and the ones after it, not the ones before.
  const ProcessResult changed = processing("ctx", {"steps.3.k=1"});
  ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;
  EXPECT_CONTAINS(changed.out, "[3/6] ContextHandler 'train': reused from the cache");
  EXPECT_CONTAINS(changed.out, "[4/6] DocumentsJoiner 'train': 2 examples (");
  EXPECT_CONTAINS(changed.out, "[5/6] TextPrompter 'train': 2 examples (");
  EXPECT_CONTAINS(dir_.read("out-train.jsonl"), "\"positive_passages\":\"Hamlet: A tragedy by Shakespeare.\",");

  // So does an edited input file, for the dataset it feeds only.
  dir_.write("dev.jsonl", std::string(kDev) + kDev);
  const ProcessResult edited = processing("ctx");
  ASSERT_EQ(edited.exit_code, 0) << edited.out << edited.err;
  EXPECT_CONTAINS(edited.out, "[3/6] ContextHandler 'train': reused from the cache");
  EXPECT_CONTAINS(edited.out, "[3/6] ContextHandler 'dev': 2 examples (");
  EXPECT_EQ(dir_.read("out-dev.jsonl"), std::string(kExpectedDev) + kExpectedDev);

  // And cache=false runs everything, writing no cache.
  fs::remove_all(dir_.path() + "/cache");
  const ProcessResult off = processing("ctx", {"cache=false"});
  ASSERT_EQ(off.exit_code, 0) << off.out << off.err;
  EXPECT_FALSE(dir_.exists("cache"));
}

TEST_F(ProcessingCli, MalformedJsonlNamesTheLineAndWritesNothing) {
  dir_.write("dev.jsonl", std::string(kDev) + "{\"query\": \"broken\",\n");
  dir_.write("conf/ctx.yaml", context_pipeline(false));
  const ProcessResult r = processing("ctx");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_CONTAINS(r.err, "error: dev.jsonl:2: invalid JSON");
  EXPECT_FALSE(dir_.exists("out-train.jsonl"));
  EXPECT_FALSE(dir_.exists("out-dev.jsonl"));
}

TEST_F(ProcessingCli, AFailingStepAfterOutputDataLeavesNoPartialOutput) {
  dir_.write("conf/partial.yaml",
             "name: partial\ncache: false\nsteps:\n"
             "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: train\n    filename: train.jsonl\n"
             "  - _target_: ragfit.processing.global_steps.output.OutputData\n    inputs: train\n    prefix: early\n"
             "  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: train\n    docs_key: nope\n");
  const ProcessResult r = processing("partial");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_CONTAINS(r.err, "error: steps.2 (DocumentsJoiner), example 0 of 'train': no key 'nope'; the example has: query, "
                         "answers, positive_passages");
  EXPECT_FALSE(dir_.exists("early-train.jsonl"));
}

TEST_F(ProcessingCli, ConfigErrorsAnswerBeforeTheRunDirExists) {
  dir_.write("conf/typo.yaml",
             "name: typo\nsteps:\n"
             "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: train\n    filename: train.jsonl\n"
             "  - _target_: ragfit.processing.local_steps.prompter.TextPromter\n    inputs: train\n");
  const ProcessResult typo = processing("typo");
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_CONTAINS(typo.err, "Error in the processing config: steps.1._target_: unknown processing step");
  EXPECT_CONTAINS(typo.err, "Did you mean 'ragfit.processing.local_steps.prompter.TextPrompter'?");
  EXPECT_CONTAINS(typo.err, "Known steps");
  EXPECT_FALSE(dir_.exists("run0"));

  dir_.write("conf/missing.yaml",
             "name: missing\nsteps:\n"
             "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: train\n    filename: train.jsonl\n"
             "  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: train\n"
             "    prompt_file: prompt.txt\n    mapping: {question: query}\n");
  const ProcessResult missing = processing("missing");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_CONTAINS(missing.err, "steps.1.output_key: required by TextPrompter but not set");
  EXPECT_FALSE(dir_.exists("run1"));
  EXPECT_FALSE(dir_.exists("out-train.jsonl"));
}

TEST_F(ProcessingCli, HFLoaderReadsLocalFoldersAndSaysNoHubOtherwise) {
  dir_.write("asqa/train.jsonl", kTrain);
  dir_.write("asqa/dev.jsonl", kDev);
  dir_.write("conf/hf.yaml",
             "name: hf\ncache: false\nsteps:\n"
             "  - _target_: ragfit.processing.dataset_loaders.loaders.HFLoader\n    inputs: dev\n"
             "    dataset_config: {path: din0s/asqa, split: dev}\n"
             "  - _target_: ragfit.processing.global_steps.output.OutputData\n    inputs: dev\n    prefix: hf\n");
  const ProcessResult hub = processing("hf");
  EXPECT_EQ(hub.exit_code, 1);
  EXPECT_CONTAINS(hub.err, "error: steps.0 (HFLoader): 'din0s/asqa' is not a local file or folder");
  EXPECT_CONTAINS(hub.err, "no hub is reachable");
  EXPECT_CONTAINS(hub.err, "use LocalLoader");
  EXPECT_FALSE(dir_.exists("hf-dev.jsonl"));

  const ProcessResult local = processing("hf", {"steps.0.dataset_config.path=asqa"});
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  EXPECT_EQ(dir_.read("hf-dev.jsonl"), to_jsonl(read_records(dir_.path() + "/asqa/dev.jsonl")));
  EXPECT_CONTAINS(local.out, "read asqa/dev.jsonl");
}

TEST_F(ProcessingCli, HaystackRetrieverRunsBm25OverARagforgeIndex) {
  dir_.write("corpus.jsonl",
             R"({"id": "d1", "title": "Hamlet", "text": "Hamlet is a tragedy written by William Shakespeare."})" "\n"
             R"({"id": "d2", "title": "Paris", "text": "Paris is the capital and largest city of France."})" "\n"
             R"({"id": "d3", "title": "Jupiter", "text": "Jupiter is the largest planet in the Solar System."})" "\n");
  ProcessOptions opts;
  opts.cwd = dir_.path();
  const ProcessResult idx = run_process({ragforge_bin(), "index", "--corpus", "corpus.jsonl", "--out", "idx"}, opts);
  ASSERT_EQ(idx.exit_code, 0) << idx.out << idx.err;

  dir_.write("conf/retrieve.yaml",
             "name: retrieve\ncache: false\nsteps:\n"
             "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: dev\n    filename: dev.jsonl\n"
             "  - _target_: ragfit.processing.local_steps.retrievers.haystack.HaystackRetriever\n    inputs: dev\n"
             "    pipeline_or_yaml_path: ./configs/external/haystack/qdrant.yaml\n"
             "    docs_key: positive_passages\n    query_key: query\n"
             "  - _target_: ragfit.processing.global_steps.output.OutputData\n    inputs: dev\n    prefix: ret\n");
  const ProcessResult no_index = processing("retrieve");
  EXPECT_EQ(no_index.exit_code, 1);
  EXPECT_CONTAINS(no_index.err, "steps.1.index: required by HaystackRetriever but not set");
  EXPECT_CONTAINS(no_index.err, "+steps.1.index=...");

  const ProcessResult r = processing("retrieve", {"+steps.1.index=idx", "+steps.1.top_k=2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_CONTAINS(r.out, "HaystackRetriever: ragforge runs BM25 over the local index idx (3 documents) instead of a "
                         "Haystack/Qdrant pipeline");
  const Rows out = testing::read_jsonl(dir_.path() + "/ret-dev.jsonl");
  ASSERT_EQ(out.size(), 1u);
  const Row& docs = out[0]["positive_passages"];
  ASSERT_EQ(docs.size(), 2u) << docs.dump();
  EXPECT_EQ(docs[0]["title"], "Jupiter");
  EXPECT_EQ(docs[0]["content"], "Jupiter is the largest planet in the Solar System.");
  EXPECT_GT(docs[0]["score"].get<double>(), docs[1]["score"].get<double>());
}

// ---- The shipped configs, run as their headers say ------------------------------------

TEST_F(ProcessingCli, PaperRetrievalThenContextWithTheDocumentedOverrides) {
  // ASQA as din0s/asqa exports it, in a folder found by split name.
  const std::string asqa =
      R"({"ambiguous_question": "Who wrote Hamlet?", "sample_id": "1", "annotations": [{"long_answer": "William Shakespeare wrote it.", "knowledge": []}], "qa_pairs": [{"question": "Who?", "short_answers": ["William Shakespeare"], "context": "", "wikipage": null}], "wikipages": []})"
      "\n"
      R"({"ambiguous_question": "What is the largest planet?", "sample_id": "2", "annotations": [{"long_answer": "Jupiter.", "knowledge": []}], "qa_pairs": [{"question": "Which?", "short_answers": ["The Jupiter"], "context": "", "wikipage": null}], "wikipages": []})"
      "\n";
  dir_.write("din0s-asqa/train.jsonl", asqa);
  dir_.write("din0s-asqa/dev.jsonl", asqa);
  dir_.write("wiki.jsonl",
             R"({"id": "1", "title": "Hamlet", "text": "Hamlet was written by William Shakespeare."})" "\n"
             R"({"id": "2", "title": "Jupiter", "text": "Jupiter is the largest planet."})" "\n"
             R"({"id": "3", "title": "Mars", "text": "Mars is red."})" "\n");
  ProcessOptions opts;
  opts.cwd = dir_.path();
  ASSERT_EQ(run_process({ragforge_bin(), "index", "--corpus", "wiki.jsonl", "--out", "wiki-index"}, opts).exit_code, 0);

  const ProcessResult retrieval =
      processing("processing-asqa-retrieval",
                 {"steps.0.dataset_config.path=din0s-asqa", "steps.1.dataset_config.path=din0s-asqa",
                  "+steps.3.index=wiki-index"},
                 "configs/paper");
  ASSERT_EQ(retrieval.exit_code, 0) << retrieval.out << retrieval.err;
  const Rows train = testing::read_jsonl(dir_.path() + "/asqa-train.jsonl");
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(train[0]["query"], "Who wrote Hamlet?");
  EXPECT_EQ(train[0]["answers"], Row::parse(R"(["William Shakespeare wrote it."])"));
  EXPECT_EQ(train[0]["answer-short"], Row::parse(R"([["william shakespeare"]])"));
  EXPECT_EQ(train[1]["answer-short"], Row::parse(R"([["jupiter"]])"));
  ASSERT_TRUE(train[0]["positive_passages"].is_array());
  EXPECT_EQ(train[0]["positive_passages"][0], "Hamlet: Hamlet was written by William Shakespeare.");
  // Sampler k: 1 took the other example's documents as negatives.
  EXPECT_EQ(train[0]["negative_passages"], train[1]["positive_passages"]);
  EXPECT_EQ(train[1]["negative_passages"], train[0]["positive_passages"]);

  // The context config then reads those files.
  const ProcessResult context = processing("processing-asqa-context", {}, "configs/paper");
  ASSERT_EQ(context.exit_code, 0) << context.out << context.err;
  const Rows ctx = testing::read_jsonl(dir_.path() + "/asqa-context-dev.jsonl");
  ASSERT_EQ(ctx.size(), 2u);
  const std::string docs = ctx[1]["positive_passages"];
  EXPECT_EQ(ctx[1]["prompt"], "Question: What is the largest planet?\nContext:\n" + docs);
  EXPECT_EQ(docs.rfind("Jupiter: Jupiter is the largest planet.", 0), 0u) << docs;

  const ProcessResult baseline = processing("processing-asqa-baseline", {}, "configs/paper");
  ASSERT_EQ(baseline.exit_code, 0) << baseline.out << baseline.err;
  EXPECT_EQ(testing::read_jsonl(dir_.path() + "/asqa-baseline-dev.jsonl")[0]["prompt"], "Question: Who wrote Hamlet?");
}

TEST_F(ProcessingCli, DefaultConfigSaysNoHubAndRunsWithTheDocumentedLocalLoaderSwap) {
  ProcessOptions opts;
  opts.cwd = dir_.path();
  const ProcessResult hub = run_process({ragforge_bin(), "processing", "hydra.run.dir=run-hub"}, opts);
  EXPECT_EQ(hub.exit_code, 1) << hub.out << hub.err;
  EXPECT_CONTAINS(hub.err, "'Tevatron/wikipedia-nq' is not a local file or folder");

  std::string nq;
  for (int i = 0; i < 5; ++i)
    nq += R"({"query_id": ")" + std::to_string(i) + R"(", "query": "q)" + std::to_string(i) +
          R"(", "answers": ["a)" + std::to_string(i) + R"(", "b"], "positive_passages": [{"docid": "x", "title": "T)" +
          std::to_string(i) + R"(", "text": "text )" + std::to_string(i) + R"("}], "negative_passages": []})" "\n";
  dir_.write("nq-train.jsonl", nq);
  std::vector<std::string> argv = {ragforge_bin(), "processing", "hydra.run.dir=run-nq",
                                   "steps.0._target_=ragfit.processing.dataset_loaders.loaders.LocalLoader",
                                   "~steps.0.dataset_config", "+steps.0.filename=nq-train.jsonl"};
  const ProcessResult r = run_process(argv, opts);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Rows out = testing::read_jsonl(dir_.path() + "/nq_processed-main.jsonl");
  ASSERT_EQ(out.size(), 5u);
  for (const Row& ex : out) {
    EXPECT_EQ(ex["answers"].get<std::string>().substr(0, 1), "a");  // FlattenList: "a<i>, b"
    const std::string prompt = ex["prompt"];
    EXPECT_EQ(prompt.rfind("Examples:\nQuestion: q", 0), 0u) << prompt;
    EXPECT_CONTAINS(prompt, "\nAnswer: a");
    EXPECT_CONTAINS(prompt, "\n\nQuestion: " + ex["query"].get<std::string>() + "\nContext:\nT");
    EXPECT_EQ(ex["fewshot_examples"].get<std::string>().find("Question: " + ex["query"].get<std::string>() + "\n"),
              std::string::npos);  // never its own example
  }
  EXPECT_TRUE(dir_.exists("cache/my_processing_pipeline"));
}

TEST_F(ProcessingCli, BusyboxNameAndCfg) {
  const std::string busybox = fs::path(ragforge_bin()).parent_path().string() + "/processing";
  if (!fs::exists(busybox)) GTEST_SKIP() << busybox << " is not built";
  ProcessOptions opts;
  opts.cwd = dir_.path();
  const ProcessResult r = run_process({busybox, "-cp", "configs/paper", "-cn", "processing-asqa-context", "--cfg", "job"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "name: asqa_context");
  EXPECT_CONTAINS(r.out, "_target_: ragfit.processing.local_steps.context.DocumentsJoiner");
}

}  // namespace
}  // namespace ragforge::processing
