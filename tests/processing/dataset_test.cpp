// The pipeline's data helpers: JSON/JSONL reading with line-numbered
// errors, HF's column unification, Python's str() and str.format, RAG-FiT's
// normalize_text, MD5 (RFC 1321's test suite) and HFLoader's local layouts.
#include <gtest/gtest.h>

#include "core/error.h"
#include "support/error_of.h"
#include "processing/hf_local_dataset.h"
#include "processing/md5.h"
#include "processing/normalize_text.h"
#include "processing/processing_test_util.h"
#include "processing/python_format.h"

namespace ragforge::processing {
namespace {

using testing::ScratchDir;

using ragforge::testing::error_of;

TEST(ReadRecords, JsonLinesWithBlankLinesKeepKeyOrder) {
  ScratchDir dir;
  const std::string f = dir.write("a.jsonl", "{\"z\": 1, \"a\": \"é\"}\n\n  \n{\"z\": 2, \"a\": \"x\"}\r\n");
  const Rows rows = read_records(f);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(to_jsonl(rows), "{\"z\":1,\"a\":\"é\"}\n{\"z\":2,\"a\":\"x\"}\n");
}

TEST(ReadRecords, MalformedLineIsNamed) {
  ScratchDir dir;
  const std::string f = dir.write("bad.jsonl", "{\"a\": 1}\n\n{\"a\": 2,,}\n");
  EXPECT_CONTAINS(error_of([&] { read_records(f); }), f + ":3: invalid JSON: ");
  const std::string g = dir.write("list.jsonl", "{\"a\": 1}\n[1, 2]\n");
  EXPECT_CONTAINS(error_of([&] { read_records(g); }), g + ":2: expected a JSON object (one example per line), got list");
  EXPECT_CONTAINS(error_of([&] { read_records(dir.path() + "/none.jsonl"); }), "cannot open the data file");
}

TEST(ReadRecords, JsonListObjectAndField) {
  ScratchDir dir;
  EXPECT_EQ(read_records(dir.write("l.json", "[\n {\"a\": 1},\n {\"a\": 2}\n]\n")).size(), 2u);
  const std::string obj = dir.write("o.json", "{\n  \"version\": 1,\n  \"data\": [{\"q\": \"x\"}]\n}\n");
  EXPECT_CONTAINS(error_of([&] { read_records(obj); }), "holds one JSON object, not a list of examples; its keys are: version, data");
  const Rows rows = read_records(obj, std::string("data"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["q"], "x");
  EXPECT_EQ(read_records(dir.write("empty.jsonl", "\n\n")).size(), 0u);
}

TEST(UnifyColumns, EveryRowGetsEveryKeyInFirstSeenOrder) {
  Rows rows = testing::rows_of(R"([{"a": 1}, {"b": 2, "a": 3}])");
  unify_columns(rows);
  EXPECT_EQ(to_jsonl(rows), "{\"a\":1,\"b\":null}\n{\"a\":3,\"b\":2}\n");
}

TEST(PythonStr, MatchesCPython) {
  EXPECT_EQ(python_str(Row("text")), "text");
  EXPECT_EQ(python_repr(Row("it's")), "\"it's\"");
  EXPECT_EQ(python_str(Row::parse(R"([1, 2.5, "a", null, true, {"k": [0.1]}])")), "[1, 2.5, 'a', None, True, {'k': [0.1]}]");
  EXPECT_EQ(python_str(Row(1e-05)), "1e-05");
  EXPECT_EQ(python_str(Row(3.0)), "3.0");
  EXPECT_EQ(python_str(Row::object()), "{}");
}

TEST(PythonFormat, FieldsBracesConversionsIndexing) {
  const PythonFormat f("{a} {{x}} {b!r} {c[0]} {d[k]}", "t.txt");
  EXPECT_EQ(f.fields(), (std::vector<std::string>{"a", "b", "c", "d"}));
  const Row values = Row::parse(R"({"a": "A", "b": "B", "c": ["c0"], "d": {"k": 5}})");
  EXPECT_EQ(f.format([&](const std::string& n) { return values[n]; }), "A {x} 'B' c0 5");
  EXPECT_CONTAINS(error_of([] { PythonFormat("a } b", "t.txt"); }), "t.txt: single '}'");
  EXPECT_CONTAINS(error_of([] { PythonFormat("{}", "t.txt"); }), "is positional");
  EXPECT_CONTAINS(error_of([] { PythonFormat("{0}", "t.txt"); }), "is positional");
  EXPECT_CONTAINS(error_of([] { PythonFormat("{a:>10}", "t.txt"); }), "format spec");
  EXPECT_CONTAINS(error_of([] { PythonFormat("{a", "t.txt"); }), "without a closing '}'");
}

TEST(NormalizeText, AsRagFit) {
  EXPECT_EQ(normalize_text("The Eiffel Tower!"), "eiffel tower");
  EXPECT_EQ(normalize_text("  An   apple, a day "), "apple day");
  EXPECT_EQ(normalize_text("apple,a day"), "applea day");  // punctuation goes before the words are split
  EXPECT_EQ(normalize_text("theater and Anna"), "theater and anna");  // whole words only
  EXPECT_EQ(normalize_text("ÉCOLE\u00a0Normale"), "école normale");   // Unicode lowercase and spaces
  EXPECT_EQ(normalize_text("A"), "");
}

TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// ---- HFLoader without a hub ----------------------------------------------------------

LocalDatasetFiles resolve(const std::string& yaml) {
  const config::Node n = config::load_yaml_string(yaml, "dc.yaml");
  return resolve_hf_dataset(config::ConfigView(n, "steps.0.dataset_config"), "steps.0 (HFLoader)");
}

TEST(HfLocalDataset, FolderSplitsByFileName) {
  ScratchDir dir;
  dir.write("asqa/train.jsonl", "{}\n");
  dir.write("asqa/dev.jsonl", "{}\n");
  dir.write("asqa/README.md", "x");
  dir.write("nested/data/validation-00000-of-00002.json", "[]");
  dir.write("nested/data/validation-00001-of-00002.json", "[]");
  dir.write("nested/data/train-00000-of-00001.json", "[]");
  EXPECT_EQ(resolve("path: " + dir.path() + "/asqa\nsplit: dev\n").files,
            std::vector<std::string>{dir.path() + "/asqa/dev.jsonl"});
  EXPECT_EQ(resolve("path: " + dir.path() + "/asqa\n").files, std::vector<std::string>{dir.path() + "/asqa/train.jsonl"});
  // "dev" and "validation" are the same split to HF datasets.
  EXPECT_EQ(resolve("path: " + dir.path() + "/nested\nsplit: dev\n").files.size(), 2u);
  EXPECT_CONTAINS(error_of([&] { resolve("path: " + dir.path() + "/asqa\nsplit: test\n"); }),
                  "no file of split 'test'");
}

TEST(HfLocalDataset, NameSubfolderDataFilesAndJsonBuilder) {
  ScratchDir dir;
  dir.write("pubmed/pubmed_qa_labeled_fold0_source/test.jsonl", "{}\n");
  dir.write("pubmed/train.jsonl", "{}\n");
  EXPECT_EQ(resolve("path: " + dir.path() + "/pubmed\nname: pubmed_qa_labeled_fold0_source\nsplit: test\n").files,
            std::vector<std::string>{dir.path() + "/pubmed/pubmed_qa_labeled_fold0_source/test.jsonl"});
  const std::string f = dir.write("x.jsonl", "{}\n");
  EXPECT_EQ(resolve("path: json\ndata_files: {train: " + f + "}\n").files, std::vector<std::string>{f});
  EXPECT_EQ(resolve("path: " + f + "\nsplit: anything\n").files, std::vector<std::string>{f});
}

TEST(HfLocalDataset, HubIdsAndArrowFoldersSayWhatToDo) {
  const std::string msg = error_of([] { resolve("path: din0s/asqa\nsplit: dev\n"); });
  EXPECT_CONTAINS(msg, "steps.0 (HFLoader): 'din0s/asqa' is not a local file or folder");
  EXPECT_CONTAINS(msg, "no hub is reachable");
  EXPECT_CONTAINS(msg, "load_dataset('din0s/asqa', split='dev').to_json('asqa-dev.jsonl')");
  EXPECT_CONTAINS(msg, "LocalLoader");
  EXPECT_CONTAINS(msg, "(steps.0.dataset_config.path=asqa-dev.jsonl)");
  ScratchDir dir;
  dir.write("saved/train/data-00000-of-00001.arrow", "x");
  dir.write("saved/dataset_dict.json", "{}");
  EXPECT_CONTAINS(error_of([&] { resolve("path: " + dir.path() + "/saved\n"); }), "(it has .arrow files");
  EXPECT_CONTAINS(error_of([] { resolve("path: ./nope.jsonl\n"); }), "no such file or folder");
  EXPECT_CONTAINS(error_of([] { resolve("path: din0s/asqa\nsplit: train[:10]\n"); }), "slices or combines splits");
}

}  // namespace
}  // namespace ragforge::processing
