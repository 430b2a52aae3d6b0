// Self time per ATen op and autograd node, split into forward and backward,
// from LibTorch's RecordFunction callbacks (the same hooks torch.profiler
// reads; stable across LibTorch 1.13 and 2.x). `ragforge bench-model
// --profile` prints its table. Ops on ATen's worker threads count too, named
// after the profiling thread's op they run inside, so where work runs in
// parallel the self times add up to more than the wall time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::runtime {

struct OpTime {
  std::string phase;  // "forward" or "backward" (inside an autograd node)
  std::string name;   // "aten::mm", "MmBackward0", ...
  int64_t calls = 0;
  double self_ms = 0;  // excluding the ops it called
};

class OpProfile {
 public:
  OpProfile();  // starts recording on every thread
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  // Stops recording; rows sorted by self time, longest first.
  std::vector<OpTime> finish();

 private:
  uint64_t handle_ = 0;
  bool active_ = false;
};

// The rows as a Markdown table (the top `rows` ones, the rest summed), with
// each row's share of `total_ms`.
std::string op_table(const std::vector<OpTime>& ops, double total_ms, size_t rows);

}  // namespace ragforge::runtime
