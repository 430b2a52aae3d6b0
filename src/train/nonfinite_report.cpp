#include "train/nonfinite_report.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "train/gradients.h"

namespace ragforge::train {

namespace {
nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}
}  // namespace

std::string write_nonfinite_report(const std::string& output_dir, const NonfiniteEvent& e,
                                   const NamedParameters& params) {
  std::filesystem::path dir = std::filesystem::path(output_dir) / ("nan-" + std::to_string(e.step));
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json report;
  report["step"] = e.step;
  report["epoch"] = e.epoch;
  report["first_micro_batch"] = e.first_index;
  report["loss"] = number_or_null(e.loss);
  report["grad_norm"] = number_or_null(e.grad_norm);
  report["micro_batch_losses"] = nlohmann::ordered_json::array();
  for (double l : e.micro_losses) report["micro_batch_losses"].push_back(number_or_null(l));
  report["consecutive"] = e.consecutive;
  report["sample_ids"] = e.sample_ids;
  nlohmann::ordered_json norms = nlohmann::ordered_json::object();
  for (const auto& [name, norm] : per_parameter_grad_norms(params)) norms[name] = number_or_null(norm);
  report["grad_norms"] = norms;
  io::write_file_atomic((dir / "report.json").string(), report.dump(2) + "\n");
  return dir.string();
}

}  // namespace ragforge::train
