#include <gtest/gtest.h>

#include "config/node.h"

namespace ragforge::config {
namespace {

TEST(Node, DictKeepsInsertionOrderAndReplacesInPlace) {
  Node d = Node::dict();
  d.set("b", Node::integer(1));
  d.set("a", Node::integer(2));
  d.set("b", Node::string("x"));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.entries()[0].key.text, "b");
  EXPECT_EQ(d.entries()[0].value.as_string(), "x");
  EXPECT_TRUE(d.erase("b"));
  EXPECT_FALSE(d.erase("b"));
  EXPECT_EQ(d.entries()[0].key.text, "a");
}

TEST(Node, PathsReachIntoListsAndDicts) {
  Node root = Node::dict();
  Node lst = Node::list();
  Node inner = Node::dict();
  inner.set("c", Node::floating(0.5));
  lst.push_back(Node::integer(7));
  lst.push_back(inner);
  root.set("a", Node::dict()).set("b", lst);
  EXPECT_EQ(root.at_path("a.b.0")->as_int(), 7);
  EXPECT_DOUBLE_EQ(root.at_path("a.b.1.c")->as_float(), 0.5);
  EXPECT_EQ(root.at_path("a.b.2"), nullptr);
  EXPECT_EQ(root.at_path("a.x"), nullptr);
}

TEST(Node, MissingAndInterpolationAreRecognised) {
  EXPECT_TRUE(Node::string("???").is_missing());
  EXPECT_TRUE(Node::string("${a.b}").is_interpolation());
  EXPECT_TRUE(Node::string("x_${a}").is_interpolation());
  EXPECT_FALSE(Node::string("\\${a}").is_interpolation());
  EXPECT_FALSE(Node::string("$a").is_interpolation());
}

TEST(Node, WrongTypeAccessNamesTheOrigin) {
  Node n = Node::string("abc");
  n.origin = "configs/x.yaml:3";
  try {
    n.as_int();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "config node is string, not int (configs/x.yaml:3)");
  }
}

}  // namespace
}  // namespace ragforge::config
