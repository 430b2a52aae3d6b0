#include "distributed/gradient_reducer.h"

#include <torch/csrc/autograd/function_hook.h>

#include "core/error.h"

namespace ragforge::distributed {

using Clock = std::chrono::steady_clock;

// Runs after a parameter's AccumulateGrad node: its .grad now holds the
// whole local gradient of the step.
struct GradientReducer::Hook : torch::autograd::FunctionPostHook {
  GradientReducer* reducer;
  size_t index;
  Hook(GradientReducer* r, size_t i) : reducer(r), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    reducer->mark_ready(index);
    return outputs;
  }
};

std::vector<int> partition_parameters(const train::NamedParameters& params, int size) {
  std::vector<int> owners(params.size(), 0);
  int64_t total = 0;
  for (const auto& [name, p] : params) total += p.numel();
  int64_t seen = 0;
  for (size_t k = params.size(); k-- > 0;) {
    // The rank whose share the middle of this tensor falls into.
    const int64_t middle = seen + params[k].second.numel() / 2;
    int owner = total > 0 ? static_cast<int>((middle * size) / total) : 0;
    owners[k] = std::min(owner, size - 1);
    seen += params[k].second.numel();
  }
  return owners;
}

GradientReducer::GradientReducer(Communicator& comm, train::NamedParameters params, int64_t bucket_bytes,
                                 std::vector<int> owners)
    : comm_(comm), params_(std::move(params)), bucket_of_(params_.size()), ready_(params_.size(), false) {
  if (!owners.empty() && owners.size() != params_.size())
    throw Error("GradientReducer: one owner per parameter expected");
  // Reverse order; a new bucket when full or when owner, dtype or device change.
  for (size_t k = params_.size(); k-- > 0;) {
    const torch::Tensor& p = params_[k].second;
    const int owner = owners.empty() ? -1 : owners[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    bool fresh = buckets_.empty();
    if (!fresh) {
      Bucket& last = buckets_.back();
      const torch::Tensor& first = params_[last.members.front()].second;
      int64_t used = 0;
      for (size_t m : last.members) used += params_[m].second.numel() * static_cast<int64_t>(params_[m].second.element_size());
      fresh = last.owner != owner || first.scalar_type() != p.scalar_type() || first.device() != p.device() ||
              used + bytes > bucket_bytes;
    }
    if (fresh) {
      buckets_.emplace_back();
      buckets_.back().owner = owner;
    }
    Bucket& b = buckets_.back();
    const int64_t offset = b.offsets.empty() ? 0 : b.offsets.back() + params_[b.members.back()].second.numel();
    b.members.push_back(k);
    b.offsets.push_back(offset);
    bucket_of_[k] = buckets_.size() - 1;
  }
  for (Bucket& b : buckets_) {
    const torch::Tensor& last = params_[b.members.back()].second;
    b.buffer = torch::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
    b.waiting = static_cast<int64_t>(b.members.size());
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    std::shared_ptr<torch::autograd::Node> acc = torch::autograd::impl::grad_accumulator(params_[k].second);
    if (!acc) throw Error("GradientReducer: trainable parameter '" + params_[k].first + "' does not require grad");
    hook_keys_.push_back(acc->add_post_hook(std::make_unique<Hook>(this, k)));
    accumulators_.push_back(std::move(acc));
  }
}

GradientReducer::~GradientReducer() {
  for (size_t k = 0; k < accumulators_.size(); ++k) accumulators_[k]->del_post_hook(hook_keys_[k]);
  for (Bucket& b : buckets_) {
    try {
      b.pending.wait();  // never leave a collective writing into a freed buffer
    } catch (...) {
    }
  }
}

void GradientReducer::set_sync(bool on) {
  std::lock_guard<std::mutex> lock(mutex_);
  sync_ = on;
}

void GradientReducer::mark_ready(size_t param) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sync_) return;
  Bucket& b = buckets_[bucket_of_[param]];
  if (b.started) {
    late_gradient_ = true;
    return;
  }
  if (ready_[param]) return;  // accumulated twice in one backward: the later value is still read at start
  ready_[param] = true;
  --b.waiting;
  start_ready_buckets();
}

void GradientReducer::start_ready_buckets() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].waiting == 0) start(buckets_[next_bucket_++]);
}

void GradientReducer::start(Bucket& b) {
  if (first_start_ == Clock::time_point()) first_start_ = Clock::now();
  torch::NoGradGuard no_grad;
  for (size_t j = 0; j < b.members.size(); ++j) {
    const torch::Tensor& p = params_[b.members[j]].second;
    torch::Tensor slot = b.buffer.narrow(0, b.offsets[j], p.numel());
    const torch::Tensor& g = p.grad();
    if (!g.defined()) slot.zero_();
    else if (g.data_ptr() != slot.data_ptr()) slot.copy_(g.reshape({-1}));
  }
  b.started = true;
  b.pending = b.owner < 0 ? comm_.all_reduce_sum_async(b.buffer) : comm_.reduce_sum_async(b.buffer, b.owner);
}

ReduceTiming GradientReducer::finish() {
  ReduceTiming timing;
  const auto backward_done = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sync_ = false;
    while (next_bucket_ < buckets_.size()) start(buckets_[next_bucket_++]);
  }
  // Which parameters have a gradient on some rank (the others stay undefined).
  torch::Tensor present = torch::zeros({static_cast<int64_t>(params_.size())}, torch::kFloat32);
  for (size_t k = 0; k < params_.size(); ++k)
    if (params_[k].second.grad().defined()) present[static_cast<int64_t>(k)] = 1.0f;
  Communicator::Pending presence = comm_.all_reduce_sum_async(present);
  for (Bucket& b : buckets_) b.pending.wait();
  presence.wait();
  const auto done = Clock::now();
  timing.span_s = std::chrono::duration<double>(done - first_start_).count();
  timing.exposed_s = std::chrono::duration<double>(done - backward_done).count();
  timing.buckets = static_cast<int64_t>(buckets_.size());

  torch::NoGradGuard no_grad;
  for (Bucket& b : buckets_) {
    timing.bytes += b.buffer.numel() * static_cast<int64_t>(b.buffer.element_size());
    const bool mine = b.owner < 0 || b.owner == comm_.rank();
    for (size_t j = 0; j < b.members.size(); ++j) {
      torch::Tensor& p = params_[b.members[j]].second;
      if (!mine || present[static_cast<int64_t>(b.members[j])].item<float>() == 0.0f) {
        if (p.grad().defined()) p.mutable_grad().reset();
        continue;
      }
      // The gradient is a view of the bucket (DDP's gradient_as_bucket_view).
      p.mutable_grad() = b.buffer.narrow(0, b.offsets[j], p.numel()).view(p.sizes());
    }
    b.started = false;
    b.waiting = static_cast<int64_t>(b.members.size());
  }
  std::fill(ready_.begin(), ready_.end(), false);
  next_bucket_ = 0;
  first_start_ = Clock::time_point();
  if (late_gradient_) {
    late_gradient_ = false;
    throw Error("distributed: a parameter's gradient was accumulated again after its bucket was sent (a second "
                "backward through the same parameters in one micro-batch); this loop reduces one backward per "
                "micro-batch");
  }
  return timing;
}

}  // namespace ragforge::distributed
