#include "runtime/op_profile.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace ragforge::runtime {
namespace {

using Clock = std::chrono::steady_clock;

struct Frame {
  std::string name;  // in backward: "<autograd node> > <op>"
  bool backward;     // this frame or one below it is an autograd node
  Clock::time_point start;
  double child_ns = 0;
};

thread_local std::vector<Frame> stack;

// The profiling thread's innermost frame, for ops that ATen's worker threads
// run inside it (a parallel_for in an autograd node): their own stacks are
// empty, so they take its name and phase.
struct Parent {
  std::string name;
  bool backward = false;
};
std::thread::id owner;
std::mutex owner_mutex;
Parent owner_top;

void publish_top() {
  if (std::this_thread::get_id() != owner) return;
  std::lock_guard<std::mutex> lock(owner_mutex);
  owner_top = stack.empty() ? Parent() : Parent{stack.back().name, stack.back().backward};
}

Parent parent() {
  if (!stack.empty()) return {stack.back().name, stack.back().backward};
  if (std::this_thread::get_id() == owner) return {};
  std::lock_guard<std::mutex> lock(owner_mutex);
  return owner_top;
}

std::mutex totals_mutex;
std::map<std::pair<bool, std::string>, OpTime>& totals() {
  static std::map<std::pair<bool, std::string>, OpTime> t;
  return t;
}

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn) {
  const bool node = fn.scope() == at::RecordScope::BACKWARD_FUNCTION;
  const Parent up = parent();
  const bool inside = up.backward;
  // Ops inside an autograd node are named after it, so each backward cost
  // points at the forward op that caused it.
  std::string name = inside ? up.name.substr(0, up.name.find(" > ")) + " > " + fn.name() : std::string(fn.name());
  stack.push_back({std::move(name), node || inside, Clock::now()});
  publish_top();
  return nullptr;
}

void on_exit(const at::RecordFunction&, at::ObserverContext*) {
  if (stack.empty()) return;  // started before the profile
  Frame f = stack.back();
  stack.pop_back();
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - f.start).count();
  if (!stack.empty()) stack.back().child_ns += ns;
  publish_top();
  std::lock_guard<std::mutex> lock(totals_mutex);
  OpTime& t = totals()[{f.backward, f.name}];
  t.calls += 1;
  t.self_ms += (ns - f.child_ns) / 1e6;
}

}  // namespace

OpProfile::OpProfile() {
  totals().clear();
  owner = std::this_thread::get_id();
  handle_ = at::addGlobalCallback(at::RecordFunctionCallback(on_enter, on_exit)
                                      .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION,
                                               at::RecordScope::USER_SCOPE}));
  active_ = true;
}

OpProfile::~OpProfile() {
  if (active_) at::removeCallback(handle_);
}

std::vector<OpTime> OpProfile::finish() {
  if (active_) at::removeCallback(handle_);
  active_ = false;
  std::vector<OpTime> rows;
  std::lock_guard<std::mutex> lock(totals_mutex);
  for (auto& [key, t] : totals()) {
    OpTime row = t;
    row.phase = key.first ? "backward" : "forward";
    row.name = key.second;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const OpTime& a, const OpTime& b) { return a.self_ms > b.self_ms; });
  return rows;
}

std::string op_table(const std::vector<OpTime>& ops, double total_ms, size_t rows) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "| phase | op | calls | self ms | share |\n|---|---|---|---|---|\n";
  double rest = 0;
  int64_t rest_calls = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (i >= rows) {
      rest += ops[i].self_ms;
      rest_calls += ops[i].calls;
      continue;
    }
    o << "| " << ops[i].phase << " | `" << ops[i].name << "` | " << ops[i].calls << " | " << ops[i].self_ms << " | "
      << 100.0 * ops[i].self_ms / total_ms << "% |\n";
  }
  if (rest > 0)
    o << "| | " << ops.size() - rows << " other ops | " << rest_calls << " | " << rest << " | "
      << 100.0 * rest / total_ms << "% |\n";
  return o.str();
}

}  // namespace ragforge::runtime
