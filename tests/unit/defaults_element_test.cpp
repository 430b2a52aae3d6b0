// Package and path rules of defaults-list entries (Hydra spec §2): paths are
// relative to the containing config's group, packages to its package.
#include <gtest/gtest.h>

#include "config/defaults_element.h"

namespace ragforge::config {
namespace {

// An entry of model/llm/llama.yaml, whose package is model.llm.
InputDefault in_llama(InputDefault d) {
  d.update_parent("model/llm", "model.llm");
  return d;
}

TEST(DefaultsElement, RelativeGroupUnderParentGroupAndPackage) {
  auto d = in_llama(InputDefault::group_default("tokenizer", std::string("llama3")));
  EXPECT_EQ(d.group_path(), "model/llm/tokenizer");
  EXPECT_EQ(d.config_path(), "model/llm/tokenizer/llama3");
  EXPECT_EQ(d.final_package(), "model.llm.tokenizer");
  EXPECT_EQ(d.override_key(), "model/llm/tokenizer");
}

TEST(DefaultsElement, AbsoluteGroupKeepsRelativePackage) {
  auto d = in_llama(InputDefault::group_default("/precision", std::string("bf16")));
  EXPECT_EQ(d.config_path(), "precision/bf16");
  EXPECT_EQ(d.final_package(), "model.llm.precision");
  EXPECT_EQ(d.override_key(), "precision@model.llm.precision");
}

TEST(DefaultsElement, PackageKeywords) {
  EXPECT_EQ(in_llama(InputDefault::group_default("db", std::string("x"), "_global_")).final_package(), "");
  EXPECT_EQ(in_llama(InputDefault::group_default("db", std::string("x"), "_here_")).final_package(), "model.llm");
  EXPECT_EQ(in_llama(InputDefault::group_default("db", std::string("x"), "a.b")).final_package(), "model.llm.a.b");
  EXPECT_EQ(in_llama(InputDefault::group_default("db", std::string("x"), "_global_.a")).final_package(), "a");
}

TEST(DefaultsElement, HeaderIsAbsoluteAndEntryPackageWins) {
  auto d = in_llama(InputDefault::group_default("db", std::string("x")));
  d.set_package_header("foo.bar");
  EXPECT_EQ(d.final_package(), "foo.bar");
  EXPECT_EQ(d.override_key(), "model/llm/db");  // the key ignores the header
  auto e = in_llama(InputDefault::group_default("db", std::string("x"), "pkg"));
  e.set_package_header("foo.bar");
  EXPECT_EQ(e.final_package(), "model.llm.pkg");
  EXPECT_EQ(e.override_key(), "model/llm/db@model.llm.pkg");
}

TEST(DefaultsElement, SiblingConfigDefaultExtendsWithinGroup) {
  // `- default` inside lora/qlora.yaml (package lora).
  auto d = InputDefault::config_default("default");
  d.update_parent("lora", "lora");
  EXPECT_EQ(d.config_path(), "lora/default");
  EXPECT_EQ(d.final_package(), "lora");
}

TEST(DefaultsElement, ExternalAppendIsRootRelative) {
  auto d = InputDefault::group_default("experiment", std::string("x"));
  d.external_append = true;
  d.update_parent("model", "model");
  EXPECT_EQ(d.config_path(), "experiment/x");
  EXPECT_EQ(d.final_package(), "experiment");
}

TEST(DefaultsElement, SelfNullMissingAndInterpolation) {
  EXPECT_TRUE(InputDefault::config_default("_self_").is_self());
  EXPECT_FALSE(InputDefault::group_default("db", std::nullopt).name().has_value());
  EXPECT_TRUE(InputDefault::group_default("db", std::string("???")).is_missing());
  EXPECT_TRUE(InputDefault::group_default("db", std::string("${model}")).is_interpolation());
}

}  // namespace
}  // namespace ragforge::config
