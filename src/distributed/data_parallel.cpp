#include "distributed/data_parallel.h"

#include <nlohmann/json.hpp>

#include "distributed/sharded_optimizer.h"
#include "distributed/tensor_pack.h"
#include "train/gradients.h"

namespace ragforge::distributed {

std::unique_ptr<DataParallel> DataParallel::join(const World& world, const settings::DistributedSettings& settings,
                                                 const torch::Device& device) {
  if (!world.is_distributed()) return nullptr;
  return std::make_unique<DataParallel>(Communicator::connect(world, settings, device), settings);
}

DataParallel::DataParallel(std::unique_ptr<Communicator> comm, const settings::DistributedSettings& settings)
    : comm_(std::move(comm)), settings_(settings) {}

DataParallel::~DataParallel() = default;

std::string DataParallel::describe() const {
  std::string s = std::to_string(size()) + " ranks (" + comm_->backend() + "), ZeRO-" + std::to_string(settings_.zero_stage);
  if (reducer_)
    s += ", " + std::to_string(reducer_->bucket_count()) + " gradient bucket(s) of <= " +
         nlohmann::json(settings_.bucket_mb).dump() + " MiB";
  return s;
}

std::vector<int64_t> DataParallel::shard(int64_t begin, int64_t end) const {
  std::vector<int64_t> mine;
  for (int64_t i = begin + rank(); i < end; i += size()) mine.push_back(i);
  return mine;
}

std::unique_ptr<train::Optimizer> DataParallel::make_optimizer(const train::OptimizerConfig& config,
                                                               const train::NamedParameters& params) {
  const auto bucket_bytes = static_cast<int64_t>(settings_.bucket_mb * 1024.0 * 1024.0);
  std::unique_ptr<train::Optimizer> optimizer;
  std::vector<int> owners;
  if (settings_.zero_stage >= 1) {
    owners = partition_parameters(params, size());
    auto sharded = std::make_unique<ShardedOptimizer>(*comm_, config, params, owners);
    sharded_ = sharded.get();
    optimizer = std::move(sharded);
  } else {
    optimizer = train::make_optimizer(config, params);
  }
  reducer_ = std::make_unique<GradientReducer>(*comm_, params, bucket_bytes,
                                               settings_.zero_stage == 2 ? owners : std::vector<int>{});
  return optimizer;
}

double DataParallel::grad_norm(const train::NamedParameters& params) {
  if (settings_.zero_stage < 2) return train::global_grad_norm(params);  // every rank holds the whole sum
  const std::vector<double> total = sum({sharded_->owned_grad_square_sum()});
  return std::sqrt(total[0]);
}

std::vector<double> DataParallel::sum(const std::vector<double>& values) {
  torch::Tensor t = torch::tensor(values, torch::kFloat64);
  comm_->all_reduce_sum(t);
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

double DataParallel::max(double value) {
  torch::Tensor t = torch::tensor({value}, torch::kFloat64);
  comm_->all_reduce_max(t);
  return t.item<double>();
}

std::map<std::string, std::pair<double, int64_t>> DataParallel::sum_metrics(
    const std::map<std::string, std::pair<double, int64_t>>& mine) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : mine) j[k] = {v.first, v.second};
  std::map<std::string, std::pair<double, int64_t>> out;
  for (const auto& text : comm_->all_gather_strings(j.dump())) {
    const nlohmann::json theirs = nlohmann::json::parse(text);  // named: items() must not outlive it
    for (const auto& [k, v] : theirs.items()) {
      out[k].first += v[0].get<double>();
      out[k].second += v[1].get<int64_t>();
    }
  }
  return out;
}

std::map<std::string, torch::Tensor> DataParallel::gather_rng_states(const std::map<std::string, torch::Tensor>& mine) {
  const std::vector<std::string> all = comm_->all_gather_strings(pack_tensors(mine));
  std::map<std::string, torch::Tensor> out;
  if (rank() != 0) return out;
  for (int r = 0; r < size(); ++r)
    for (auto& [name, t] : unpack_tensors(all[static_cast<size_t>(r)]))
      out[r == 0 ? name : "rank" + std::to_string(r) + "/" + name] = std::move(t);
  return out;
}

}  // namespace ragforge::distributed
