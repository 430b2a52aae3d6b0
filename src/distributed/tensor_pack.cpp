#include "distributed/tensor_pack.h"

#include <cstring>

#include "core/error.h"

namespace ragforge::distributed {
namespace {

void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

uint64_t get_u64(const std::string& in, size_t& at) {
  if (at + 8 > in.size()) throw Error("distributed: a packed tensor message is truncated");
  uint64_t v = 0;
  std::memcpy(&v, in.data() + at, 8);
  at += 8;
  return v;
}

}  // namespace

std::string pack_tensors(const std::map<std::string, torch::Tensor>& tensors) {
  std::string out;
  put_u64(out, tensors.size());
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    put_u64(out, name.size());
    out += name;
    put_u64(out, static_cast<uint64_t>(c.scalar_type()));
    put_u64(out, static_cast<uint64_t>(c.dim()));
    for (int64_t s : c.sizes()) put_u64(out, static_cast<uint64_t>(s));
    const size_t n = static_cast<size_t>(c.numel()) * c.element_size();
    put_u64(out, n);
    out.append(static_cast<const char*>(c.data_ptr()), n);
  }
  return out;
}

std::map<std::string, torch::Tensor> unpack_tensors(const std::string& in) {
  std::map<std::string, torch::Tensor> out;
  size_t at = 0;
  const uint64_t count = get_u64(in, at);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t name_size = get_u64(in, at);
    if (at + name_size > in.size()) throw Error("distributed: a packed tensor message is truncated");
    std::string name = in.substr(at, name_size);
    at += name_size;
    const auto dtype = static_cast<c10::ScalarType>(get_u64(in, at));
    const uint64_t dim = get_u64(in, at);
    if (dim > 64) throw Error("distributed: a packed tensor message is malformed");
    std::vector<int64_t> sizes;
    for (uint64_t d = 0; d < dim; ++d) sizes.push_back(static_cast<int64_t>(get_u64(in, at)));
    const uint64_t n = get_u64(in, at);
    torch::Tensor t = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
    if (n != static_cast<uint64_t>(t.numel()) * t.element_size() || at + n > in.size())
      throw Error("distributed: a packed tensor message is malformed");
    std::memcpy(t.data_ptr(), in.data() + at, n);
    at += n;
    out.emplace(std::move(name), std::move(t));
  }
  return out;
}

}  // namespace ragforge::distributed
