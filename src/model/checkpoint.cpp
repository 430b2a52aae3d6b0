#include "model/checkpoint.h"

#include <deque>
#include <utility>

#include "compat/torch_compat.h"  // generator_state

namespace ragforge::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Recompute : torch::CustomClassHolder {
  CheckpointOutputsFn fn;
  torch::Device device{torch::kCPU};
  torch::Tensor cpu_state, device_state;  // RNG states at the original forward
  bool input_requires_grad = false;
  std::deque<std::vector<torch::Tensor>> kept;  // checkpoint_keep() of the first run, in order
};

thread_local CheckpointPhase t_phase = CheckpointPhase::kNone;
thread_local Recompute* t_block = nullptr;

// Runs the block's function in one phase; an exception or a nested block
// puts the outer phase back.
class PhaseScope {
 public:
  PhaseScope(CheckpointPhase phase, Recompute* block) : phase_(t_phase), block_(t_block) {
    t_phase = phase;
    t_block = block;
  }
  ~PhaseScope() {
    t_phase = phase_;
    t_block = block_;
  }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  CheckpointPhase phase_;
  Recompute* block_;
};

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& input, at::TensorList params,
                               c10::intrusive_ptr<Recompute> rc) {
    rc->device = input.device();
    rc->cpu_state = compat::generator_state(torch::kCPU);
    if (!input.device().is_cpu()) rc->device_state = compat::generator_state(input.device());
    rc->input_requires_grad = input.requires_grad();
    variable_list saved{input};
    saved.insert(saved.end(), params.begin(), params.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["recompute"] = c10::IValue::make_capsule(rc);
    PhaseScope recording(CheckpointPhase::kRecording, rc.get());
    return rc->fn(input);  // grad mode is off here
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto rc = c10::static_intrusive_pointer_cast<Recompute>(ctx->saved_data["recompute"].toCapsule());
    variable_list saved = ctx->get_saved_variables();
    // Replay the forward's random state, then put the current one back.
    auto cpu_now = compat::generator_state(torch::kCPU);
    torch::Tensor device_now;
    if (rc->device_state.defined()) device_now = compat::generator_state(rc->device);
    compat::set_generator_state(torch::kCPU, rc->cpu_state);
    if (rc->device_state.defined()) compat::set_generator_state(rc->device, rc->device_state);

    torch::Tensor x = saved[0].detach().requires_grad_(rc->input_requires_grad);
    variable_list out;
    {
      torch::AutoGradMode enable(true);
      PhaseScope replaying(CheckpointPhase::kReplaying, rc.get());
      out = rc->fn(x);
      rc->kept.clear();  // whatever the replay did not take
    }
    compat::set_generator_state(torch::kCPU, cpu_now);
    if (rc->device_state.defined()) compat::set_generator_state(rc->device, device_now);

    variable_list wrt;
    std::vector<size_t> slot;  // index into the result for each entry of wrt
    if (rc->input_requires_grad) {
      wrt.push_back(x);
      slot.push_back(0);
    }
    for (size_t i = 1; i < saved.size(); ++i)
      if (saved[i].requires_grad()) {
        wrt.push_back(saved[i]);
        slot.push_back(i);
      }
    variable_list result(saved.size() + 1);  // + the non-tensor argument
    variable_list outs, grads_out;  // the outputs that carry gradients, with theirs
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i].requires_grad() && grad_outputs[i].defined()) {
        outs.push_back(out[i]);
        grads_out.push_back(grad_outputs[i]);
      }
    if (wrt.empty() || outs.empty()) return result;
    auto grads = torch::autograd::grad(outs, wrt, grads_out, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t j = 0; j < wrt.size(); ++j) result[slot[j]] = grads[j];
    return result;
  }
};

}  // namespace

CheckpointPhase checkpoint_phase() { return t_phase; }

void checkpoint_keep(std::vector<torch::Tensor> tensors) {
  if (t_phase == CheckpointPhase::kRecording) t_block->kept.push_back(std::move(tensors));
}

std::vector<torch::Tensor> checkpoint_take() {
  if (t_phase != CheckpointPhase::kReplaying || t_block->kept.empty()) return {};
  auto next = std::move(t_block->kept.front());
  t_block->kept.pop_front();
  return next;
}

std::vector<torch::Tensor> checkpoint_outputs(CheckpointOutputsFn fn, const torch::Tensor& input,
                                              const std::vector<torch::Tensor>& params) {
  if (!torch::GradMode::is_enabled()) return fn(input);
  variable_list trainable;
  for (const auto& p : params)
    if (p.requires_grad()) trainable.push_back(p);
  if (!input.requires_grad() && trainable.empty()) return fn(input);
  auto rc = c10::make_intrusive<Recompute>();
  rc->fn = std::move(fn);
  return CheckpointFunction::apply(input, at::TensorList(trainable), rc);  // a TensorList: one graph input per tensor
}

torch::Tensor checkpoint(CheckpointFn fn, const torch::Tensor& input, const std::vector<torch::Tensor>& params) {
  auto one = [fn = std::move(fn)](const torch::Tensor& x) { return std::vector<torch::Tensor>{fn(x)}; };
  return checkpoint_outputs(one, input, params)[0];
}

}  // namespace ragforge::model
