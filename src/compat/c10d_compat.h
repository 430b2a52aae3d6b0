// The LibTorch c10d API differences between versions, in one place (the
// rest of src/distributed/ sees only what is declared here).
//
//   - 1.13: ProcessGroupGloo and ProcessGroupNCCL derive from
//     c10d::ProcessGroup, which carries the collectives.
//   - 2.x: they derive from c10d::Backend (ProcessGroup became a dispatcher
//     over backends); the collectives keep their names and options.
//   - c10d::Work is its own class in both (Work.hpp).
//   - ProcessGroupGloo.hpp is compiled only under USE_C10D_GLOO, and it
//     includes <gloo/...> (Debian: libgloo-dev); ProcessGroupNCCL.hpp only
//     under USE_C10D_NCCL, which a CUDA build of ragforge (RAGFORGE_WITH_CUDA)
//     defines here.
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <string>

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define RAGFORGE_HAVE_NCCL 1
#else
#define RAGFORGE_HAVE_NCCL 0
#endif

namespace ragforge::compat {

#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif
using CollectiveWork = c10d::Work;

// A Gloo group over `store`. `interface` (GLOO_SOCKET_IFNAME) wins; else
// `hostname` ("" = this machine's hostname, falling back to loopback).
inline c10::intrusive_ptr<CollectiveBackend> make_gloo_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                              int size, std::chrono::milliseconds timeout,
                                                              const std::string& interface,
                                                              const std::string& hostname) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (!interface.empty())
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  else if (!hostname.empty())
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;  // collectives of two buckets in flight at once
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

inline constexpr bool have_nccl() { return RAGFORGE_HAVE_NCCL != 0; }

#if RAGFORGE_HAVE_NCCL
// An NCCL group; the caller has made this rank's GPU current.
inline c10::intrusive_ptr<CollectiveBackend> make_nccl_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                              int size, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}
#endif

// Waits for `work`; throws what the collective threw. Gloo applies the
// group's timeout itself; the explicit one covers NCCL.
inline void wait_work(const c10::intrusive_ptr<CollectiveWork>& work, std::chrono::milliseconds timeout) {
  work->wait(timeout);
}

}  // namespace ragforge::compat
