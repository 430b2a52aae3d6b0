#include "distributed/communicator.h"

#include <cstdlib>
#include <cstring>

#include "compat/c10d_compat.h"
#include "core/error.h"

namespace ragforge::distributed {

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<compat::CollectiveBackend> group;
  std::chrono::milliseconds timeout{0};
  torch::Device device = torch::kCPU;  // NCCL reduces device tensors only
};

namespace {

std::string endpoint(const World& w) { return w.master_addr + ":" + std::to_string(w.master_port); }

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

std::string choose_backend(const settings::DistributedSettings& s, const torch::Device& device) {
  if (s.backend == "gloo") return "gloo";
  if (s.backend == "nccl") {
    if (!compat::have_nccl())
      throw Error("train.distributed.backend: nccl needs a CUDA build of ragforge (LibTorch with CUDA); this one is "
                  "CPU-only, so use gloo or auto");
    if (!device.is_cuda())
      throw Error("train.distributed.backend: nccl reduces GPU tensors, but the model is on " + device.str() +
                  "; use gloo or auto");
    return "nccl";
  }
  return device.is_cuda() && compat::have_nccl() ? "nccl" : "gloo";
}

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void Communicator::Pending::wait() {
  if (!wait_) return;
  auto w = std::move(wait_);
  wait_ = nullptr;
  w();
}

Communicator::Communicator(World world, std::string backend, double timeout_s, std::unique_ptr<Impl> impl)
    : world_(std::move(world)), backend_(std::move(backend)), timeout_s_(timeout_s), impl_(std::move(impl)) {}

Communicator::~Communicator() = default;

std::unique_ptr<Communicator> Communicator::connect(const World& world, const settings::DistributedSettings& s,
                                                    const torch::Device& device) {
  auto impl = std::make_unique<Impl>();
  impl->timeout = std::chrono::milliseconds(static_cast<int64_t>(s.timeout_s * 1000.0));
  impl->device = device;
  const std::string backend = choose_backend(s, device);
  const std::string where = "rank " + std::to_string(world.rank) + " of " + std::to_string(world.size);
  const std::string timeout_text = "distributed.timeout_s=" + std::to_string(static_cast<int64_t>(s.timeout_s));

  // 1. The store: rank 0 serves it, everyone (rank 0 too) connects.
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(world.master_port);
  options.isServer = world.rank == 0;
  options.numWorkers = static_cast<std::size_t>(world.size);
  options.waitWorkers = true;
  options.timeout = impl->timeout;
  try {
    impl->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    const std::string low = lowercase(msg);
    if (world.rank == 0 && (low.find("address already in use") != std::string::npos || low.find("bind") != std::string::npos))
      throw Error("distributed (" + where + "): cannot listen on MASTER_PORT " + std::to_string(world.master_port) +
                  ": another process uses it; pick a free port (ragforge launch --master-port P, or MASTER_PORT). " +
                  "c10d said: " + msg);
    if (world.rank == 0)
      throw Error("distributed (" + where + "): not every rank joined the rendezvous at " + endpoint(world) + " within " +
                  timeout_text + "; check that all " + std::to_string(world.size) +
                  " ranks were started with the same MASTER_ADDR/MASTER_PORT/WORLD_SIZE. c10d said: " + msg);
    throw Error("distributed (" + where + "): cannot reach the master at " + endpoint(world) + " within " +
                timeout_text + "; check MASTER_ADDR and MASTER_PORT (they must name rank 0's host and port) and that " +
                "rank 0 is running. c10d said: " + msg);
  }

  // 2. The process group, over a prefix of the store.
  try {
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("ragforge/" + backend, impl->store);
    if (backend == "gloo") {
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      const std::string interface = ifname && *ifname ? ifname : "";
      // Loopback jobs bind loopback; otherwise gloo resolves this host's name.
      const std::string host = is_loopback(world.master_addr) ? "127.0.0.1" : "";
      impl->group = compat::make_gloo_group(prefixed, world.rank, world.size, impl->timeout, interface, host);
    } else {
#if RAGFORGE_HAVE_NCCL
      impl->group = compat::make_nccl_group(prefixed, world.rank, world.size, impl->timeout);
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("distributed (" + where + "): creating the " + backend + " process group failed within " + timeout_text +
                " (" + e.what() + "); a rank died during start-up, or the hosts cannot reach each other " +
                "(multi-node: set GLOO_SOCKET_IFNAME / NCCL_SOCKET_IFNAME to the interface that connects them)");
  }
  std::unique_ptr<Communicator> comm(new Communicator(world, backend, s.timeout_s, std::move(impl)));
  // 3. Handshake: every rank must agree on the world size.
  torch::Tensor check = torch::tensor({1.0, static_cast<double>(world.size)}, torch::kFloat64);
  comm->all_reduce_sum(check);
  if (check[0].item<double>() != world.size || check[1].item<double>() != world.size * static_cast<double>(world.size))
    throw Error("distributed (" + where + "): the ranks disagree on WORLD_SIZE; start them all with the same value");
  return comm;
}

void Communicator::fail(const std::string& what, const std::exception& e) const {
  throw Error("distributed (rank " + std::to_string(rank()) + " of " + std::to_string(size()) + ", " + backend_ +
              "): " + what + " failed: " + e.what() + ". Another rank probably exited or stopped answering within " +
              "distributed.timeout_s=" + std::to_string(static_cast<int64_t>(timeout_s_)) + "; see its log");
}

namespace {

// What the backend can take: NCCL device tensors only, so CPU tensors travel
// through a device copy; Gloo (1.13) has no bfloat16, so those travel as
// float32 (exact for broadcasts, one rounding after a sum).
torch::Tensor stage(const torch::Tensor& t, const torch::Device& device, const std::string& backend) {
  if (backend == "nccl" && !t.is_cuda()) return t.to(device);
  if (backend == "gloo" && t.scalar_type() == torch::kBFloat16) return t.to(torch::kFloat32);
  return t;
}

struct Staged {
  torch::Tensor original, staged;
  Staged(const torch::Tensor& t, const torch::Device& device, const std::string& backend)
      : original(t), staged(stage(t, device, backend)) {}
  void finish() {
    if (!staged.is_same(original)) original.copy_(staged);
  }
};

}  // namespace

Communicator::Pending Communicator::all_reduce_sum_async(const torch::Tensor& tensor) {
  try {
    auto staged = std::make_shared<Staged>(tensor, impl_->device, backend_);
    std::vector<at::Tensor> list{staged->staged};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    auto work = impl_->group->allreduce(list, opts);
    return Pending([this, work, staged] {
      try {
        compat::wait_work(work, impl_->timeout);
        staged->finish();
      } catch (const std::exception& e) {
        fail("all-reduce", e);
      }
    });
  } catch (const std::exception& e) {
    fail("all-reduce", e);
  }
}

Communicator::Pending Communicator::reduce_sum_async(const torch::Tensor& tensor, int root) {
  try {
    auto staged = std::make_shared<Staged>(tensor, impl_->device, backend_);
    std::vector<at::Tensor> list{staged->staged};
    c10d::ReduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    opts.rootRank = root;
    auto work = impl_->group->reduce(list, opts);
    return Pending([this, work, staged, root] {
      try {
        compat::wait_work(work, impl_->timeout);
        if (rank() == root) staged->finish();
      } catch (const std::exception& e) {
        fail("reduce", e);
      }
    });
  } catch (const std::exception& e) {
    fail("reduce", e);
  }
}

void Communicator::all_reduce_sum(const torch::Tensor& tensor) { all_reduce_sum_async(tensor).wait(); }

void Communicator::all_reduce_max(const torch::Tensor& tensor) {
  try {
    Staged staged(tensor, impl_->device, backend_);
    std::vector<at::Tensor> list{staged.staged};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::MAX;
    compat::wait_work(impl_->group->allreduce(list, opts), impl_->timeout);
    staged.finish();
  } catch (const std::exception& e) {
    fail("all-reduce (max)", e);
  }
}

void Communicator::broadcast(const torch::Tensor& tensor, int root) {
  try {
    Staged staged(tensor, impl_->device, backend_);
    std::vector<at::Tensor> list{staged.staged};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    compat::wait_work(impl_->group->broadcast(list, opts), impl_->timeout);
    staged.finish();
  } catch (const std::exception& e) {
    fail("broadcast", e);
  }
}

std::vector<std::string> Communicator::all_gather_strings(const std::string& mine) {
  try {
    auto gather = [&](const torch::Tensor& input) {
      Staged in(input, impl_->device, backend_);
      std::vector<std::vector<at::Tensor>> outputs(1);
      for (int r = 0; r < size(); ++r) outputs[0].push_back(torch::empty_like(in.staged));
      std::vector<at::Tensor> inputs{in.staged};
      compat::wait_work(impl_->group->allgather(outputs, inputs), impl_->timeout);
      std::vector<torch::Tensor> cpu;
      for (auto& t : outputs[0]) cpu.push_back(t.to(torch::kCPU));
      return cpu;
    };
    auto lengths = gather(torch::tensor({static_cast<int64_t>(mine.size())}, torch::kLong));
    int64_t longest = 1;
    for (const auto& l : lengths) longest = std::max(longest, l.item<int64_t>());
    torch::Tensor bytes = torch::zeros({longest}, torch::kUInt8);
    if (!mine.empty()) std::memcpy(bytes.data_ptr<uint8_t>(), mine.data(), mine.size());
    auto all = gather(bytes);
    std::vector<std::string> out;
    for (int r = 0; r < size(); ++r) {
      const auto n = static_cast<size_t>(lengths[static_cast<size_t>(r)].item<int64_t>());
      torch::Tensor b = all[static_cast<size_t>(r)].contiguous();
      out.emplace_back(reinterpret_cast<const char*>(b.data_ptr<uint8_t>()), n);
    }
    return out;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail("all-gather", e);
  }
}

void Communicator::barrier() {
  // A one-element all-reduce: Gloo's barrier has no per-call timeout in 1.13.
  all_reduce_sum(torch::zeros({1}, torch::kFloat32));
}

}  // namespace ragforge::distributed
