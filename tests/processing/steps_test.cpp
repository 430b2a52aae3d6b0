// Each processing step on small inputs, with exact outputs (RAG-FiT's
// semantics: ragfit/processing/local_steps and global_steps).
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "processing/processing_test_util.h"
#include "retrieval/bm25_index.h"
#include "support/subprocess.h"

namespace ragforge::processing {
namespace {

using testing::apply_step;
using testing::rows_of;
using testing::ScratchDir;

std::string dumped(const Rows& rows) {
  std::string out;
  for (const Row& r : rows) out += r.dump() + "\n";
  return out;
}

// ---- context.py ------------------------------------------------------------------

TEST(ContextHandler, JoinsTitleAndTextAsPythonStr) {
  auto out = apply_step(
      "  - _target_: ragfit.processing.local_steps.context.ContextHandler\n"
      "    inputs: train\n"
      "    docs_key: docs\n",
      {{"train", rows_of(R"([{"docs": [{"title": "A", "content": "x"}, {"title": null, "content": 3}], "q": 1}])")}});
  EXPECT_EQ(dumped(out["train"]), R"({"docs":["A: x","None: 3"],"q":1})" "\n");
}

TEST(ContextHandler, CustomKeysAndMissingKeyError) {
  auto out = apply_step(
      "  - _target_: ragfoundry.processing.local_steps.context.ContextHandler\n"
      "    inputs: train\n"
      "    docs_key: positive_passages\n"
      "    text_key: text\n",
      {{"train", rows_of(R"([{"positive_passages": [{"title": "T", "text": "body", "docid": "1"}]}])")}});
  EXPECT_EQ(out["train"][0]["positive_passages"], Row::parse(R"(["T: body"])"));

  try {
    apply_step("  - _target_: ragfit.processing.local_steps.context.ContextHandler\n    inputs: train\n    docs_key: docs\n",
               {{"train", rows_of(R"([{"docs": []}, {"docs": [{"title": "T", "text": "b"}]}])")}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "steps.1 (ContextHandler), example 1 of 'train'");
    EXPECT_CONTAINS(e.what(), "'docs[0]' has no 'content'");
  }
}

TEST(DocumentsJoiner, FirstKJoinedWithNewlines) {
  const Rows in = rows_of(R"([{"docs": ["a", "b", "c"]}, {"docs": ["only"]}])");
  auto k2 = apply_step("  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: train\n"
                       "    docs_key: docs\n    k: 2\n",
                       {{"train", in}});
  EXPECT_EQ(dumped(k2["train"]), "{\"docs\":\"a\\nb\"}\n{\"docs\":\"only\"}\n");
  auto all = apply_step("  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: train\n"
                        "    docs_key: docs\n    k:\n    join_string: ' | '\n",
                        {{"train", in}});
  EXPECT_EQ(all["train"][0]["docs"], "a | b | c");
  // Python slicing: docs[:-1] drops the last.
  auto neg = apply_step("  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: train\n"
                        "    docs_key: docs\n    k: -1\n",
                        {{"train", in}});
  EXPECT_EQ(neg["train"][0]["docs"], "a\nb");
  EXPECT_EQ(neg["train"][1]["docs"], "");
}

TEST(DocumentsJoiner, DocumentMappingsNeedAContextHandler) {
  try {
    apply_step("  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n    inputs: train\n    docs_key: d\n",
               {{"train", rows_of(R"([{"d": [{"title": "T", "content": "c"}]}])")}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "'d[0]' is a dict, not a string");
    EXPECT_CONTAINS(e.what(), "ContextHandler");
  }
}

// ---- prompter.py -------------------------------------------------------------------

TEST(TextPrompter, FillsPlaceholdersFromMappedKeys) {
  ScratchDir dir;
  const std::string prompt = dir.write("p.txt", "Q: {question}\nC:\n{context}\nA: {answers} {{literal}} {missing!r}");
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: train\n"
                        "    prompt_file: " + prompt + "\n    output_key: prompt\n    mapping:\n"
                        "      question: query\n      context: docs\n      answers: answers\n      missing: nope\n",
                        {{"train", rows_of(R"([{"query": "who?", "docs": "d1\nd2", "answers": ["it's", 2, 1.5, null, true]}])")}});
  EXPECT_EQ(out["train"][0]["prompt"], "Q: who?\nC:\nd1\nd2\nA: [\"it's\", 2, 1.5, None, True] {literal} ''");
}

TEST(TextPrompter, UnmappedPlaceholderFailsBeforeRunning) {
  ScratchDir dir;
  const std::string prompt = dir.write("p.txt", "Question: {question}\nContext:\n{context}");
  try {
    apply_step("  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: train\n"
               "    prompt_file: " + prompt + "\n    output_key: prompt\n    mapping:\n      question: query\n",
               {{"train", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "has the placeholder {context}, which `mapping` does not map (mapping: question -> query)");
    EXPECT_CONTAINS(e.what(), "steps.1.mapping.context=<example key>");
  }
}

TEST(TextPrompter, FindsRagFitPackagedPromptsAmongTheShippedOnes) {
  const std::string shipped = ragforge::testing::source_dir() + "/configs/prompts/processing";
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: train\n"
                        "    prompt_file: ragfoundry/processing/prompts/qa.txt\n    output_key: prompt\n"
                        "    mapping: {question: query, context: docs}\n",
                        {{"train", rows_of(R"([{"query": "q", "docs": "d"}])")}}, nullptr, {shipped});
  EXPECT_EQ(out["train"][0]["prompt"], "Question: q\nContext:\nd");

  try {
    apply_step("  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n    inputs: train\n"
               "    prompt_file: ragfit/processing/prompts/nope.txt\n    output_key: prompt\n    mapping: {}\n",
               {{"train", {}}}, nullptr, {shipped});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "prompt_file 'ragfit/processing/prompts/nope.txt' not found; looked for:");
    EXPECT_CONTAINS(e.what(), shipped + "/nope.txt");
  }
}

TEST(FewshotPrompter, FormatsEachExampleAndJoinsWithBlankLines) {
  ScratchDir dir;
  const std::string prompt = dir.write("shot.txt", "Q: {question} A: {answer}");
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.prompter.FewshotPrompter\n    inputs: train\n"
                        "    prompt_file: " + prompt + "\n    fewshot_key: shots\n    output_key: shots_text\n"
                        "    mapping: {question: query, answer: answers}\n",
                        {{"train", rows_of(R"([{"shots": [{"query": "a", "answers": "1"}, {"query": "b"}]}])")}});
  EXPECT_EQ(out["train"][0]["shots_text"], "Q: a A: 1\n\nQ: b A: ");
}

// ---- common_datasets.py --------------------------------------------------------------

TEST(ASQA, LongAnswersShortAnswersNormalizedAndQuery) {
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.ASQA\n    inputs: [train]\n",
                        {{"train", rows_of(R"([{"ambiguous_question": "Who?", "sample_id": 7,
      "annotations": [{"long_answer": "Long one.", "knowledge": []}, {"long_answer": "Long two."}],
      "qa_pairs": [{"question": "q1", "short_answers": ["The Eiffel Tower!", "An apple, a day"]},
                   {"short_answers": ["ÉCOLE  Normale_Supérieure", "the"]}]}])")}});
  EXPECT_EQ(dumped(out["train"]),
            R"({"ambiguous_question":"Who?","sample_id":7,"annotations":[{"long_answer":"Long one.","knowledge":[]},)"
            R"({"long_answer":"Long two."}],"qa_pairs":[{"question":"q1","short_answers":["The Eiffel Tower!","An apple, a day"]},)"
            R"({"short_answers":["ÉCOLE  Normale_Supérieure","the"]}],"answer-long":["Long one.","Long two."],)"
            R"("answer-short":[["eiffel tower","apple day"],["école normalesupérieure",""]],)"
            R"("answers":["Long one.","Long two."],"query":"Who?"})"
            "\n");
}

TEST(CommonDatasets, HotPotPubMedSquadArcc) {
  auto hot = apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.HotPot\n    inputs: train\n",
                        {{"train", rows_of(R"([{"question": "q", "answer": "yes",
      "context": {"title": ["T1", "T2"], "sentences": [["a. ", "b."], ["c."]]}}])")}});
  EXPECT_EQ(hot["train"][0]["answers"], Row::parse(R"(["yes"])"));
  EXPECT_EQ(hot["train"][0]["query"], "q");
  EXPECT_EQ(hot["train"][0]["positive_passages"], Row::parse(R"(["T1: a. b.", "T2: c."])"));

  auto pub = apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.PubMed\n    inputs: train\n",
                        {{"train", rows_of(R"([{"QUESTION": "q", "final_decision": "no", "CONTEXTS": ["x", "y"]}])")}});
  EXPECT_EQ(pub["train"][0]["query"], "q");
  EXPECT_EQ(pub["train"][0]["answers"], Row::parse(R"(["no"])"));
  EXPECT_EQ(pub["train"][0]["positive_passages"], Row::parse(R"(["x", "y"])"));

  auto squad = apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.Squad\n    inputs: train\n",
                          {{"train", rows_of(R"([{"question": "q", "answers": {"text": ["a"], "answer_start": [0]}}])")}});
  EXPECT_EQ(squad["train"][0]["answers"], Row::parse(R"(["a"])"));
  EXPECT_EQ(squad["train"][0]["query"], "q");

  auto arc = apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.ARCC\n    inputs: train\n",
                        {{"train", rows_of(R"([{"question": "q", "choices": {"text": ["x", "y"], "label": ["A", "B"]}, "answerKey": "B"}])")}});
  EXPECT_EQ(arc["train"][0]["options"], Row::parse(R"(["x", "y"])"));
  EXPECT_EQ(arc["train"][0]["answers"], "B");

  try {
    apply_step("  - _target_: ragfit.processing.local_steps.common_datasets.ASQA\n    inputs: train\n",
               {{"train", rows_of(R"([{"question": "not asqa"}])")}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "example 0 of 'train': no key 'annotations'; the example has: question");
  }
}

// ---- formatting.py, aggregation.py --------------------------------------------------

TEST(Formatting, FlattenListColumnUpdaterUpdateField) {
  auto flat = apply_step("  - _target_: ragfit.processing.local_steps.formatting.FlattenList\n    inputs: train\n"
                         "    input_key: answers\n    output_key: answer_text\n",
                         {{"train", rows_of(R"([{"answers": ["a", "b"]}])")}});
  EXPECT_EQ(flat["train"][0]["answer_text"], "a, b");
  auto col = apply_step("  - _target_: ragfit.processing.local_steps.formatting.ColumnUpdater\n    inputs: train\n"
                        "    keys_mapping: {question: query}\n",
                        {{"train", rows_of(R"([{"question": "q"}])")}});
  EXPECT_EQ(dumped(col["train"]), R"({"question":"q","query":"q"})" "\n");
  auto upd = apply_step("  - _target_: ragfit.processing.local_steps.formatting.UpdateField\n    inputs: train\n"
                        "    input_key: source\n    value: {name: asqa, n: 2}\n",
                        {{"train", rows_of(R"([{"q": 1}])")}});
  EXPECT_EQ(dumped(upd["train"]), R"({"q":1,"source":{"name":"asqa","n":2}})" "\n");
}

TEST(Aggregation, SelectColumnsTaggerFilterMerge) {
  auto sel = apply_step("  - _target_: ragfit.processing.global_steps.aggregation.SelectColumns\n    inputs: train\n"
                        "    columns: [b, a]\n",
                        {{"train", rows_of(R"([{"a": 1, "b": 2, "c": 3}])")}});
  EXPECT_EQ(dumped(sel["train"]), R"({"b":2,"a":1})" "\n");
  EXPECT_THROW(apply_step("  - _target_: ragfit.processing.global_steps.aggregation.SelectColumns\n    inputs: train\n"
                          "    columns: [zz]\n",
                          {{"train", rows_of(R"([{"a": 1}])")}}),
               Error);

  auto tag = apply_step("  - _target_: ragfit.processing.global_steps.aggregation.DatasetTagger\n    inputs: [train, dev]\n",
                        {{"train", rows_of(R"([{"a": 1}])")}, {"dev", rows_of(R"([{"a": 2}])")}});
  EXPECT_EQ(tag["train"][0]["source"], "train");
  EXPECT_EQ(tag["dev"][0]["source"], "dev");

  auto filt = apply_step("  - _target_: ragfit.processing.global_steps.aggregation.FilterDataset\n    inputs: train\n"
                         "    filter_fn: MSMARCO\n",
                         {{"train", rows_of(R"([{"id": 1, "passages": {"is_selected": [0, 1]}},
                                                 {"id": 2, "passages": {"is_selected": [0, 0]}}])")}});
  ASSERT_EQ(filt["train"].size(), 1u);
  EXPECT_EQ(filt["train"][0]["id"], 1);

  auto merged = apply_step("  - _target_: ragfit.processing.global_steps.aggregation.MergeDatasets\n"
                           "    inputs: [train, dev]\n    output: all\n",
                           {{"train", rows_of(R"([{"a": 1}])")}, {"dev", rows_of(R"([{"b": 2}])")}});
  EXPECT_EQ(dumped(merged["all"]), R"({"a":1,"b":null})" "\n" R"({"a":null,"b":2})" "\n");
  EXPECT_EQ(merged["train"].size(), 1u);
}

// ---- sampling.py ---------------------------------------------------------------------

// Twenty examples whose positives name the example they belong to.
Rows numbered_examples(size_t n, const std::string& tag = "ex") {
  Rows rows;
  for (size_t i = 0; i < n; ++i)
    rows.push_back(Row{{"id", tag + std::to_string(i)}, {"positive_passages", Row::array({tag + std::to_string(i) + "-doc"})}});
  return rows;
}

TEST(Sampler, NegativesComeFromOtherExamplesAndAreSeeded) {
  const std::string step = "  - _target_: ragfit.processing.global_steps.sampling.Sampler\n    inputs: [train]\n"
                           "    k: 1\n    input_key: positive_passages\n    output_key: negative_passages\n";
  auto a = apply_step(step, {{"train", numbered_examples(20)}});
  auto b = apply_step(step, {{"train", numbered_examples(20)}});
  auto c = apply_step(step + "    seed: 7\n", {{"train", numbered_examples(20)}});
  EXPECT_EQ(dumped(a["train"]), dumped(b["train"]));  // same seed, same draw
  EXPECT_NE(dumped(a["train"]), dumped(c["train"]));  // another seed, another draw
  std::set<std::string> used;
  for (size_t i = 0; i < 20; ++i) {
    const Row& ex = a["train"][i];
    // k: 1 stores the one sample itself: another example's positive_passages (a list).
    ASSERT_TRUE(ex["negative_passages"].is_array()) << ex.dump();
    const std::string neg = ex["negative_passages"][0];
    EXPECT_NE(neg, "ex" + std::to_string(i) + "-doc") << "an example sampled itself";
    used.insert(neg);
  }
  EXPECT_GT(used.size(), 5u);  // spread over the dataset
}

TEST(Sampler, KWholeExamplesDistinctAndFromAnotherDataset) {
  auto out = apply_step("  - _target_: ragfit.processing.global_steps.sampling.FewShot\n    inputs: [train]\n"
                        "    k: 3\n    input_dataset: pool\n    output_key: shots\n",
                        {{"train", numbered_examples(5)}, {"pool", numbered_examples(4, "pool")}});
  for (const Row& ex : out["train"]) {
    ASSERT_EQ(ex["shots"].size(), 3u);
    std::set<std::string> ids;
    for (const Row& shot : ex["shots"]) {
      ASSERT_TRUE(shot.is_object());  // whole examples of the pool, as they were
      EXPECT_EQ(shot["id"].get<std::string>().rfind("pool", 0), 0u) << shot.dump();
      EXPECT_EQ(shot["positive_passages"].size(), 1u);
      ids.insert(shot["id"].get<std::string>());
    }
    EXPECT_EQ(ids.size(), 3u);  // distinct
  }
}

TEST(Sampler, TooFewExamplesIsAnError) {
  try {
    apply_step("  - _target_: ragfit.processing.global_steps.sampling.FewShot\n    inputs: train\n    k: 3\n",
               {{"train", numbered_examples(3)}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "k=3 needs 3 distinct examples other than each example itself in 'train', which has 3");
  }
}

TEST(ShuffleSelect, SeededShuffleThenLimit) {
  const std::string base = "  - _target_: ragfit.processing.global_steps.sampling.ShuffleSelect\n    inputs: train\n";
  auto limited = apply_step(base + "    limit: 3\n", {{"train", numbered_examples(10)}});
  ASSERT_EQ(limited["train"].size(), 3u);
  EXPECT_EQ(limited["train"][2]["id"], "ex2");  // no shuffle: the first three

  auto s1 = apply_step(base + "    shuffle: 42\n", {{"train", numbered_examples(10)}});
  auto s2 = apply_step(base + "    shuffle: 42\n", {{"train", numbered_examples(10)}});
  auto s3 = apply_step(base + "    shuffle: 43\n", {{"train", numbered_examples(10)}});
  EXPECT_EQ(dumped(s1["train"]), dumped(s2["train"]));
  EXPECT_NE(dumped(s1["train"]), dumped(s3["train"]));
  std::set<std::string> ids;
  for (const Row& r : s1["train"]) ids.insert(r["id"]);
  EXPECT_EQ(ids.size(), 10u);  // a permutation
  EXPECT_NE(dumped(s1["train"]), dumped(numbered_examples(10)));

  auto zero = apply_step(base + "    shuffle: 0\n    limit: 0\n", {{"train", numbered_examples(4)}});
  EXPECT_EQ(dumped(zero["train"]), dumped(numbered_examples(4)));  // Python truthiness: both off

  std::string notes;
  auto more = apply_step(base + "    limit: 50\n", {{"train", numbered_examples(4)}}, &notes);
  EXPECT_EQ(more["train"].size(), 4u);
  EXPECT_CONTAINS(notes, "limit 50 is more than the 4 examples of 'train': keeping them all");
}

// ---- raft.py -------------------------------------------------------------------------

Rows raft_examples(size_t n) {
  Rows rows;
  for (size_t i = 0; i < n; ++i)
    rows.push_back(Row{{"positive_passages", Row::array({"p1", "p2", "p3"})},
                       {"negative_passages", Row::array({"n1", "n2", "n3"})}});
  return rows;
}

TEST(RAFTStep, ProbabilityZeroKeepsPositivesThenNegatives) {
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.raft.RAFTStep\n    inputs: train\n"
                        "    k: 2\n    raft_p: 0.0\n    neg_docs_num: 1\n    output_key: raft_docs\n",
                        {{"train", raft_examples(20)}});
  for (const Row& r : out["train"]) EXPECT_EQ(r["raft_docs"], Row::parse(R"(["p1", "p2", "n1"])"));
}

TEST(RAFTStep, ProbabilityOneGivesDistractorsOnly) {
  auto out = apply_step("  - _target_: ragfit.processing.local_steps.raft.RAFTStep\n    inputs: train\n"
                        "    raft_p: 1.0\n    neg_docs_num: 2\n",
                        {{"train", raft_examples(20)}});
  for (const Row& r : out["train"]) EXPECT_EQ(r["docs"], Row::parse(R"(["n1", "n2"])"));  // default output_key
}

TEST(RAFTStep, HalfTheExamplesDistractorOnlySeededPerExample) {
  const std::string step = "  - _target_: ragfit.processing.local_steps.raft.RAFTStep\n    inputs: train\n"
                           "    k: 5\n    raft_p: 0.5\n    neg_docs_num: 2\n    output_key: raft_docs\n";
  auto a = apply_step(step, {{"train", raft_examples(400)}});
  auto b = apply_step(step, {{"train", raft_examples(400)}});
  EXPECT_EQ(dumped(a["train"]), dumped(b["train"]));
  size_t distractor_only = 0;
  for (const Row& r : a["train"]) {
    const Row& docs = r["raft_docs"];
    if (docs == Row::parse(R"(["n1", "n2"])")) ++distractor_only;
    else EXPECT_EQ(docs, Row::parse(R"(["p1", "p2", "p3", "n1", "n2"])"));
  }
  EXPECT_GT(distractor_only, 160u);
  EXPECT_LT(distractor_only, 240u);
  // Without negatives (no negative_key): positives or nothing.
  auto none = apply_step(step, {{"train", rows_of(R"([{"positive_passages": ["p"]}])")}});
  EXPECT_TRUE(none["train"][0]["raft_docs"] == Row::parse(R"(["p"])") || none["train"][0]["raft_docs"] == Row::array());
}

// ---- retrievers ----------------------------------------------------------------------

TEST(BM25Retriever, TopKTitleContentScoreFromALocalIndex) {
  ScratchDir dir;
  const std::string corpus = dir.write("corpus.jsonl",
                                       R"({"id": "1", "title": "Paris", "text": "Paris is the capital of France."})" "\n"
                                       R"({"id": "2", "title": "Berlin", "text": "Berlin is the capital of Germany."})" "\n"
                                       R"({"id": "3", "title": "Cheese", "text": "France makes cheese."})" "\n");
  retrieval::build_index(corpus, dir.path() + "/idx");
  const auto index = retrieval::Bm25Index::open(dir.path() + "/idx");
  const auto expected = index.search("capital of France", 2);
  ASSERT_EQ(expected.size(), 2u);

  std::string notes;
  auto out = apply_step("  - _target_: ragforge.processing.BM25Retriever\n    inputs: train\n    index: " + dir.path() +
                            "/idx\n    top_k: 2\n",
                        {{"train", rows_of(R"([{"query": "capital of France"}])")}}, &notes);
  const Row& docs = out["train"][0]["positive_passages"];
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["title"], "Paris");
  EXPECT_EQ(docs[0]["content"], "Paris is the capital of France.");
  EXPECT_DOUBLE_EQ(docs[0]["score"].get<double>(), expected[0].score);
  EXPECT_EQ(docs[1]["title"], expected[1].title);
  EXPECT_EQ(notes, "");

  auto hay = apply_step("  - _target_: ragfit.processing.local_steps.retrievers.haystack.HaystackRetriever\n"
                        "    inputs: train\n    pipeline_or_yaml_path: ./configs/external/haystack/qdrant.yaml\n"
                        "    docs_key: docs\n    query_key: q\n    index: " + dir.path() + "/idx\n",
                        {{"train", rows_of(R"([{"q": "cheese"}])")}}, &notes);
  ASSERT_EQ(hay["train"][0]["docs"].size(), 1u);
  EXPECT_EQ(hay["train"][0]["docs"][0]["title"], "Cheese");
  EXPECT_CONTAINS(notes, "HaystackRetriever: ragforge runs BM25 over the local index");
  EXPECT_CONTAINS(notes, "pipeline_or_yaml_path ./configs/external/haystack/qdrant.yaml is not used");
}

TEST(BM25Retriever, AMissingIndexFailsNamingTheStep) {
  try {
    apply_step("  - _target_: ragforge.processing.BM25Retriever\n    inputs: train\n    index: /nonexistent/idx\n",
               {{"train", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "steps.1 (BM25Retriever): ");
    EXPECT_CONTAINS(e.what(), "/nonexistent/idx");
  }
}

}  // namespace
}  // namespace ragforge::processing
