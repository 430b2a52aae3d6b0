// Data-parallel gradient averaging for the training loop, DDP-style: the
// trainable parameters are cut into buckets of about distributed.bucket_mb
// (in reverse registration order, roughly the order backward produces their
// gradients), and during the step's last backward each bucket's collective
// starts as soon as all its gradients are accumulated, so communication
// overlaps the rest of the backward pass. Buckets start strictly in index
// order, so every rank issues the same collectives in the same order even
// when gradients arrive in another order or not at all.
//
//   GradientReducer reducer(comm, params, bucket_bytes, owners);
//   for each micro-batch:  reducer.set_sync(is_last); loss.backward();
//   reducer.finish();   // starts what is left, waits, writes back the sums
//
// owners empty: every bucket is summed onto every rank (all-reduce; ZeRO 0
// and 1). owners[i] = r: parameter i's gradient is summed onto rank r only
// (reduce; ZeRO-2) and dropped elsewhere after the reduce. The result is the
// sum over ranks (the loop has already weighted each micro-batch's loss by
// its share of the global step). A parameter no rank produced a gradient for
// keeps an undefined gradient, as at world size 1.
//
// Shapes: P parameters, each flattened into its bucket's 1-D buffer.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "distributed/communicator.h"
#include "train/optimizer.h"

namespace ragforge::distributed {

struct ReduceTiming {
  double span_s = 0;     // first bucket started → last bucket done
  double exposed_s = 0;  // waiting for collectives after backward returned
  int64_t buckets = 0, bytes = 0;
};

class GradientReducer {
 public:
  GradientReducer(Communicator& comm, train::NamedParameters params, int64_t bucket_bytes, std::vector<int> owners = {});
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // While on, a parameter whose gradient is accumulated marks itself ready and
  // complete buckets start. Off for the step's earlier micro-batches (their
  // gradients only accumulate locally, like DDP's no_sync).
  void set_sync(bool on);
  // Starts every bucket not yet started (in order), waits for all, writes
  // the reduced gradients back and resets for the next step.
  ReduceTiming finish();

  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Bucket {
    std::vector<size_t> members;   // parameter indices
    std::vector<int64_t> offsets;  // start of each member in `buffer`
    torch::Tensor buffer;          // [Σ numel], the parameters' dtype and device
    int owner = -1;                // -1: all-reduce
    int64_t waiting = 0;           // members not yet ready this step
    bool started = false;
    Communicator::Pending pending;
  };
  struct Hook;

  void mark_ready(size_t param);
  void start_ready_buckets();  // in order, while the next one is complete
  void start(Bucket& b);

  Communicator& comm_;
  train::NamedParameters params_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;  // per parameter
  std::vector<bool> ready_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // kept alive: they carry the hooks
  std::vector<uintptr_t> hook_keys_;
  size_t next_bucket_ = 0;
  bool sync_ = false;
  bool late_gradient_ = false;  // a gradient arrived after its bucket started
  std::mutex mutex_;
  std::chrono::steady_clock::time_point first_start_;
};

// Splits parameters (in reverse order, as buckets are formed) into `size`
// contiguous groups of about equal element count: owners[i] is parameter i's
// rank. Deterministic, so every rank computes the same split.
std::vector<int> partition_parameters(const train::NamedParameters& params, int size);

}  // namespace ragforge::distributed
