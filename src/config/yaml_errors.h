// Error text in PyYAML's words. libyaml (which parses for us) and PyYAML
// (which Hydra users see) report the same problems at the same marks, but a
// few messages are worded differently; these helpers close that gap.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace ragforge::config {

struct YamlMark {
  size_t line = 0;    // 0-based, as PyYAML and libyaml count
  size_t column = 0;  // 0-based, in characters
};

// `  in "file", line L, column C` (1-based), PyYAML's Mark without a snippet
// (Hydra loads from files, where PyYAML prints none).
std::string yaml_mark_text(const std::string& source, const YamlMark& m);

// PyYAML's MarkedYAMLError layout: context, its mark (left out when it is
// the problem's mark), problem, problem mark.
std::string yaml_error_text(const std::string& source, const std::string& context, const YamlMark* context_mark,
                            const std::string& problem, const YamlMark* problem_mark);

// Rewords a libyaml scanner/parser problem the way PyYAML words it; may
// move the problem mark (PyYAML points past a bad escape's backslash).
void pyyaml_wording(std::string_view text, std::string* context, const YamlMark& context_mark,
                    std::string* problem, YamlMark* problem_mark);

}  // namespace ragforge::config
