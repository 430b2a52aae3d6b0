// One step-labelled reasoning example of the step-confidence recipe
// (recipes.md §4.1), as the three loaders (data/step_confidence_loaders.h)
// read it from PRM800K, REVEAL or eQASC: a header ("Problem: ...\n\nSolution:\n")
// and the steps, each with a confidence label in [0, 1].
#pragma once
#include <string>
#include <vector>

namespace ragforge::data {

struct StepExample {
  std::string source;              // "prm800k" | "reveal" | "eqasc"
  std::string header;              // the text before the first step
  std::vector<std::string> steps;  // every usable step, file order (the recipe keeps the first N)
  std::vector<double> labels;      // one per step
  std::string origin;              // "<file>:<line>" (or "<file> item <i>"), for errors
};

}  // namespace ragforge::data
