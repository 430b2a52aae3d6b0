#include "distributed/sharded_optimizer.h"

#include <algorithm>

#include "core/error.h"
#include "distributed/tensor_pack.h"

namespace ragforge::distributed {

std::string parameter_of_state_key(const std::string& key, const std::vector<std::string>& sorted_names) {
  std::string best;
  for (const auto& name : sorted_names)
    if (name.size() > best.size() && key.size() > name.size() && key.compare(0, name.size(), name) == 0 &&
        key[name.size()] == '.')
      best = name;
  return best;
}

ShardedOptimizer::ShardedOptimizer(Communicator& comm, const train::OptimizerConfig& config,
                                   train::NamedParameters params, std::vector<int> owners)
    : comm_(comm), owners_(std::move(owners)) {
  if (owners_.size() != params.size()) throw Error("ShardedOptimizer: one owner per parameter expected");
  params_ = std::move(params);
  for (size_t i = 0; i < params_.size(); ++i)
    if (owners_[i] == comm_.rank()) owned_.push_back(params_[i]);
  inner_ = train::make_optimizer(config, owned_);
}

void ShardedOptimizer::step(double lr) {
  inner_->step(lr);
  // Every owner's share, one broadcast per (owner, dtype) group, in a fixed order.
  torch::NoGradGuard no_grad;
  for (int owner = 0; owner < comm_.size(); ++owner) {
    std::map<c10::ScalarType, std::vector<size_t>> groups;
    for (size_t i = 0; i < params_.size(); ++i)
      if (owners_[i] == owner) groups[params_[i].second.scalar_type()].push_back(i);
    for (const auto& [dtype, members] : groups) {
      std::vector<torch::Tensor> flat;
      int64_t total = 0;
      for (size_t i : members) {
        flat.push_back(params_[i].second.detach().reshape({-1}));
        total += params_[i].second.numel();
      }
      torch::Tensor buffer = owner == comm_.rank() ? torch::cat(flat)
                                                   : torch::empty({total}, params_[members.front()].second.options());
      comm_.broadcast(buffer, owner);
      if (owner == comm_.rank()) continue;
      int64_t at = 0;
      for (size_t i : members) {
        torch::Tensor p = params_[i].second.detach();
        p.view({-1}).copy_(buffer.narrow(0, at, p.numel()));
        at += p.numel();
      }
    }
  }
}

std::map<std::string, torch::Tensor> ShardedOptimizer::state_dict() const {
  const std::vector<std::string> shares = comm_.all_gather_strings(pack_tensors(inner_->state_dict()));
  std::map<std::string, torch::Tensor> whole;
  if (comm_.rank() != 0) return whole;
  for (const auto& share : shares)
    for (auto& [name, t] : unpack_tensors(share)) whole[name] = std::move(t);
  return whole;
}

void ShardedOptimizer::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  std::vector<std::string> names;
  for (const auto& [name, p] : params_) names.push_back(name);
  std::vector<std::string> mine;
  for (const auto& [name, p] : owned_) mine.push_back(name);
  std::sort(mine.begin(), mine.end());
  std::map<std::string, torch::Tensor> share;
  for (const auto& [key, t] : state) {
    const std::string owner = parameter_of_state_key(key, names);
    if (owner.empty()) {
      share[key] = t;  // not a parameter's: the inner optimizer reports it as unexpected
      continue;
    }
    if (std::binary_search(mine.begin(), mine.end(), owner)) share[key] = t;
  }
  inner_->load_state_dict(share);
}

double ShardedOptimizer::owned_grad_square_sum() const {
  double sum = 0;
  for (const auto& [name, p] : owned_) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    const double n = g.detach().to(torch::kFloat32).norm(2).item<double>();
    sum += n * n;
  }
  return sum;
}

}  // namespace ragforge::distributed
