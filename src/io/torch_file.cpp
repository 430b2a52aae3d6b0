#include "io/torch_file.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "io/pickle_compat.h"

namespace ragforge::io {
namespace {

const char* kHowToFix = "; expected a file written by torch.save (zip format, PyTorch >= 1.6) holding a dict of tensors";

// nn.Parameter pickles as torch._utils._rebuild_parameter(tensor, requires_grad,
// hooks), a global LibTorch 1.13's unpickler does not know. It resolves here to
// a placeholder class whose one slot holds the tensor (parameter_data unwraps it).
const c10::QualifiedName kRebuildParameter("torch._utils._rebuild_parameter");

c10::StrongTypePtr parameter_type_resolver(const c10::QualifiedName& name) {
  static const auto unit = std::make_shared<torch::jit::CompilationUnit>();
  static const auto type = [] {
    auto t = c10::ClassType::create(kRebuildParameter, unit);
    t->addAttribute("data", c10::TensorType::get());
    return t;
  }();
  if (name == kRebuildParameter) return c10::StrongTypePtr(unit, type);
  // Type strings (restore_type_tag's "Dict[str, Tensor]") as the unpickler parses them without a resolver.
  return c10::StrongTypePtr(unit, torch::jit::Unpickler::defaultTypeParser(name.qualifiedName()));
}

c10::intrusive_ptr<c10::ivalue::Object> parameter_loader(const c10::StrongTypePtr& type, torch::IValue args) {
  TORCH_CHECK(args.isTuple() && !args.toTupleRef().elements().empty() && args.toTupleRef().elements()[0].isTensor(),
              "_rebuild_parameter without a tensor");
  auto object = c10::ivalue::Object::create(type, 1);
  object->setSlot(0, args.toTupleRef().elements()[0]);
  return object;
}

// The tensor of an nn.Parameter placeholder; any other value as it is.
torch::IValue parameter_data(const torch::IValue& v) {
  if (v.isObject() && v.toObjectRef().type()->name() == kRebuildParameter) return v.toObjectRef().getSlot(0);
  return v;
}

// What a file holds, and the size of each storage record the unpickler took
// (by data pointer): the pickle's sizes are checked against them.
struct Loaded {
  torch::IValue value;
  std::map<const void*, size_t> record_bytes;
};

// torch::pickle_load's steps (zip → data.pkl → unpickler with the data/<key>
// records), with the pickle rewritten for this unpickler (pickle_compat.h) and the records' sizes kept.
Loaded load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file");
  if (!std::ifstream(path, std::ios::binary)) throw Error(path + ": cannot be opened for reading");
  Loaded out;
  try {
    caffe2::serialize::PyTorchStreamReader zip(path);
    if (!zip.hasRecord("data.pkl")) throw Error(path + ": the archive has no data.pkl" + kHowToFix);
    auto [pickle_data, pickle_size] = zip.getRecord("data.pkl");
    std::string pickle(static_cast<const char*>(pickle_data.get()), pickle_size);
    if (auto fixed = pickle_for_libtorch(pickle)) pickle = std::move(*fixed);
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
    torch::jit::Unpickler unpickler(reader, parameter_type_resolver, parameter_loader, read_record,
                                    torch::Device(torch::kCPU));
    unpickler.set_version(zip.version());
    out.value = unpickler.parse_ivalue();
  } catch (const c10::Error& e) {
    throw Error(path + ": not a readable torch.save file (" + e.what_without_backtrace() + ")" + kHowToFix);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // the unpickler's own vector / allocation errors on a damaged pickle
    throw Error(path + ": not a readable torch.save file (" + e.what() + ")" + kHowToFix);
  }
  return out;
}

// The unpickler trusts the file's sizes and strides: a view that reaches past
// its storage would read out of bounds later, so it is refused here.
torch::Tensor checked(const torch::IValue& value, const Loaded& file, const std::string& path,
                      const std::string& name) {
  const torch::IValue v = parameter_data(value);
  if (!v.isTensor()) throw Error(path + ": '" + name + "' is a " + v.tagKind() + ", not a tensor" + kHowToFix);
  torch::Tensor t = v.toTensor();
  const std::string what = path + ": tensor '" + name + "' ";
  if (t.layout() != torch::kStrided) throw Error(what + "is not a dense tensor" + kHowToFix);
  if (t.numel() == 0) return t;
  // With overflow checks: a crafted size x stride must not wrap around into the storage.
  int64_t last = t.storage_offset(), step = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) < 0 || t.stride(d) < 0) throw Error(what + "has a negative size or stride; the file is damaged");
    if (__builtin_mul_overflow(t.size(d) - 1, t.stride(d), &step) || __builtin_add_overflow(last, step, &last))
      throw Error(what + "has strides past any storage; the file is damaged");
  }
  int64_t end_bytes = 0;
  if (__builtin_add_overflow(last, 1, &end_bytes) ||
      __builtin_mul_overflow(end_bytes, static_cast<int64_t>(t.element_size()), &end_bytes))
    throw Error(what + "has strides past any storage; the file is damaged");
  auto record = file.record_bytes.find(t.storage().data_ptr().get());
  const auto stored = record == file.record_bytes.end() ? 0 : static_cast<int64_t>(record->second);
  if (t.storage_offset() < 0 || end_bytes > stored)
    throw Error(what + "of shape " + c10::str(t.sizes()) + " reaches past its stored data; the file is damaged");
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

std::map<std::string, StateDict> dicts_of(const Loaded& file, const std::string& path) {
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

// LibTorch errors while the dicts are walked (an odd tensor) name the file too.
template <class F>
auto naming_the_file(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw Error(path + ": " + e.what_without_backtrace() + kHowToFix);
  }
}

}  // namespace

StateDict read_torch_state_dict(const std::string& path) {
  const Loaded file = load(path);
  return naming_the_file(path, [&] { return to_state_dict(file.value, file, path, "the saved object"); });
}

std::map<std::string, StateDict> read_torch_dict_of_state_dicts(const std::string& path) {
  const Loaded file = load(path);
  return naming_the_file(path, [&] { return dicts_of(file, path); });
}

}  // namespace ragforge::io
