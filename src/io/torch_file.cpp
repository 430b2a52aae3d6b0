#include "io/torch_file.h"

#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/error.h"
#include "io/pickle_setitem.h"

namespace ragforge::io {
namespace {

const char* kHowToFix = "; expected a file written by torch.save (zip format, PyTorch >= 1.6) holding a dict of tensors";

// What a file holds, and the size of each storage record the unpickler took
// (by data pointer): the pickle's sizes are checked against them.
struct Loaded {
  torch::IValue value;
  std::map<const void*, size_t> record_bytes;
};

// torch::pickle_load's steps (zip → data.pkl → unpickler with the data/<key>
// records), with a SETITEM-free pickle (pickle_setitem.h) and the records' sizes kept.
Loaded load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be opened for reading");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  namespace serialize = caffe2::serialize;
  Loaded out;
  try {
    serialize::PyTorchStreamReader zip(
        std::make_shared<serialize::MemoryReadAdapter>(bytes.data(), static_cast<off_t>(bytes.size())));
    if (!zip.hasRecord("data.pkl")) throw Error(path + ": the archive has no data.pkl" + kHowToFix);
    auto [pickle_data, pickle_size] = zip.getRecord("data.pkl");
    std::string pickle(static_cast<const char*>(pickle_data.get()), pickle_size);
    if (auto fixed = pickle_without_setitem(pickle)) pickle = std::move(*fixed);
    size_t pos = 0;
    auto reader = [&](char* buffer, size_t n) {
      n = std::min(n, pickle.size() - pos);
      std::memcpy(buffer, pickle.data() + pos, n);
      pos += n;
      return n;
    };
    auto read_record = [&](const std::string& key) {
      auto [data, size] = zip.getRecord("data/" + key);
      out.record_bytes[data.get()] = size;
      return std::move(data);
    };
    torch::jit::Unpickler unpickler(reader, nullptr, nullptr, read_record, torch::Device(torch::kCPU));
    unpickler.set_version(zip.version());
    out.value = unpickler.parse_ivalue();
  } catch (const c10::Error& e) {
    throw Error(path + ": not a readable torch.save file (" + e.what_without_backtrace() + ")" + kHowToFix);
  }
  return out;
}

// The unpickler trusts the file's sizes and strides: a view that reaches past
// its storage would read out of bounds later, so it is refused here.
torch::Tensor checked(const torch::IValue& v, const Loaded& file, const std::string& path, const std::string& name) {
  if (!v.isTensor()) throw Error(path + ": '" + name + "' is a " + v.tagKind() + ", not a tensor" + kHowToFix);
  torch::Tensor t = v.toTensor();
  if (t.numel() > 0) {
    int64_t last = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (t.stride(d) < 0) throw Error(path + ": tensor '" + name + "' has a negative stride");
      last += (t.size(d) - 1) * t.stride(d);
    }
    auto record = file.record_bytes.find(t.storage().data_ptr().get());
    const int64_t stored = record == file.record_bytes.end() ? 0 : static_cast<int64_t>(record->second);
    if (t.storage_offset() < 0 || (last + 1) * static_cast<int64_t>(t.element_size()) > stored)
      throw Error(path + ": tensor '" + name + "' of shape " + c10::str(t.sizes()) +
                  " reaches past its stored data; the file is damaged");
  }
  return t;
}

StateDict to_state_dict(const torch::IValue& v, const Loaded& file, const std::string& path, const std::string& where) {
  if (!v.isGenericDict()) throw Error(path + ": " + where + " is a " + v.tagKind() + ", not a dict" + kHowToFix);
  StateDict out;
  for (const auto& entry : v.toGenericDict()) {
    if (!entry.key().isString()) throw Error(path + ": " + where + " has a key that is not a string" + kHowToFix);
    const std::string name = entry.key().toStringRef();
    out[name] = checked(entry.value(), file, path, name);
  }
  return out;
}

}  // namespace

StateDict read_torch_state_dict(const std::string& path) {
  const Loaded file = load(path);
  return to_state_dict(file.value, file, path, "the saved object");
}

std::map<std::string, StateDict> read_torch_dict_of_state_dicts(const std::string& path) {
  const Loaded file = load(path);
  const torch::IValue& v = file.value;
  if (!v.isGenericDict()) throw Error(path + ": the saved object is a " + v.tagKind() + ", not a dict" + kHowToFix);
  std::map<std::string, StateDict> out;
  for (const auto& entry : v.toGenericDict()) {
    if (!entry.key().isString()) throw Error(path + ": a top-level key is not a string" + kHowToFix);
    const std::string group = entry.key().toStringRef();
    out[group] = to_state_dict(entry.value(), file, path, "'" + group + "'");
  }
  return out;
}

}  // namespace ragforge::io
