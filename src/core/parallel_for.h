// fn(0..n-1) spread over the machine's threads (i strided by worker); the
// first exception any call throws is rethrown once all have finished.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace ragforge {

template <typename Fn>
void parallel_for(size_t n, Fn fn) {
  const size_t workers = std::max<size_t>(1, std::min<size_t>(n, std::thread::hardware_concurrency()));
  std::vector<std::exception_ptr> errors(n);
  auto work = [&](size_t w) {
    for (size_t i = w; i < n; i += workers) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace ragforge
