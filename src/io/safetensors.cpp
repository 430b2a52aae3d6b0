#include "io/safetensors.h"

#include <fcntl.h>     // open
#include <sys/mman.h>  // mmap
#include <sys/stat.h>  // fstat
#include <unistd.h>    // close, fsync, getpid

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>  // header parsing and writing
#include <sstream>

#include "core/error.h"
#include "core/text_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace ragforge::io {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;  // the reference's cap

struct DtypeEntry {
  const char* name;
  size_t size;
  std::optional<torch::Dtype> torch_dtype;
};

const std::vector<DtypeEntry>& dtype_table() {
  static const std::vector<DtypeEntry> table = {
      {"F64", 8, torch::kFloat64}, {"F32", 4, torch::kFloat32}, {"F16", 2, torch::kFloat16},
      {"BF16", 2, torch::kBFloat16}, {"I64", 8, torch::kInt64}, {"I32", 4, torch::kInt32},
      {"I16", 2, torch::kInt16},   {"I8", 1, torch::kInt8},     {"U8", 1, torch::kUInt8},
      {"BOOL", 1, torch::kBool},   {"F8_E4M3", 1, std::nullopt}, {"F8_E5M2", 1, std::nullopt},
  };
  return table;
}

const DtypeEntry* find_dtype(const std::string& name) {
  for (const auto& e : dtype_table())
    if (name == e.name) return &e;
  return nullptr;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error("safetensors file " + path + ": " + what);
}

std::string sys_error() { return std::strerror(errno); }

}  // namespace

size_t dtype_size(const std::string& st_dtype) {
  const DtypeEntry* e = find_dtype(st_dtype);
  if (!e) throw Error("unknown safetensors dtype '" + st_dtype + "'");
  return e->size;
}

std::string to_safetensors_dtype(torch::Dtype dtype) {
  for (const auto& e : dtype_table())
    if (e.torch_dtype && *e.torch_dtype == dtype) return e.name;
  throw Error(std::string("no safetensors dtype for torch dtype ") + c10::toString(dtype));
}

// ---- reading -------------------------------------------------------------------

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(path, "cannot open: " + sys_error());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    fail(path, "cannot stat: " + sys_error());
  }
  size_ = static_cast<size_t>(st.st_size);
  try {
    if (size_ < 8) fail(path, "truncated: " + std::to_string(size_) + " bytes, no header length");
    if (size_ > 0) {
      void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (m == MAP_FAILED) fail(path, "cannot mmap: " + sys_error());
      map_ = static_cast<const uint8_t*>(m);
    }
    uint64_t n = 0;
    std::memcpy(&n, map_, 8);
    if (n > kMaxHeaderBytes)
      fail(path, "header length " + std::to_string(n) + " exceeds the 100 MB cap");
    if (n > size_ - 8)
      fail(path, "truncated: header length " + std::to_string(n) + " runs past the end of the " +
                     std::to_string(size_) + "-byte file");
    const char* text = reinterpret_cast<const char*>(map_ + 8);
    json header;
    try {
      header = json::parse(text, text + n);
    } catch (const json::exception& e) {
      fail(path, std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) fail(path, "header is not a JSON object");
    data_ = map_ + 8 + n;
    const uint64_t data_size = size_ - 8 - n;

    std::vector<std::pair<uint64_t, std::string>> order;  // (begin, name) for coverage checks
    for (auto it = header.begin(); it != header.end(); ++it) {
      const std::string& name = it.key();
      const json& v = it.value();
      if (name == "__metadata__") {
        if (!v.is_object()) fail(path, "__metadata__ is not an object");
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (!m.value().is_string()) fail(path, "__metadata__ value '" + m.key() + "' is not a string");
          metadata_[m.key()] = m.value().get<std::string>();
        }
        continue;
      }
      auto bad = [&](const std::string& what) { fail(path, "tensor '" + name + "': " + what); };
      if (!v.is_object()) bad("entry is not an object");
      if (!v.contains("dtype") || !v["dtype"].is_string()) bad("missing or non-string dtype");
      if (!v.contains("shape") || !v["shape"].is_array()) bad("missing or non-array shape");
      if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
        bad("data_offsets must be [begin, end]");
      TensorInfo info;
      info.dtype = v["dtype"].get<std::string>();
      const DtypeEntry* dt = find_dtype(info.dtype);
      if (!dt) bad("unknown dtype '" + info.dtype + "'");
      uint64_t numel = 1;
      for (const auto& d : v["shape"]) {
        if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
          bad("shape entries must be non-negative integers");
        uint64_t dim = d.get<uint64_t>();
        if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
            (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim))
          bad("shape overflows");
        numel *= dim;
        info.shape.push_back(static_cast<int64_t>(dim));
      }
      for (const auto& o : v["data_offsets"])
        if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
          bad("data_offsets must be non-negative integers");
      info.begin = v["data_offsets"][0].get<uint64_t>();
      info.end = v["data_offsets"][1].get<uint64_t>();
      if (info.begin > info.end) bad("data_offsets begin > end");
      if (info.end > data_size)
        bad("data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
            ") run past the " + std::to_string(data_size) + "-byte data section (truncated file?)");
      if (numel > std::numeric_limits<uint64_t>::max() / dt->size) bad("byte size overflows");
      if (info.end - info.begin != numel * dt->size)
        bad("holds " + std::to_string(info.end - info.begin) + " bytes but dtype " + info.dtype +
            " and shape of " + std::to_string(numel) + " elements need " +
            std::to_string(numel * dt->size));
      order.emplace_back(info.begin, name);
      infos_.emplace(name, std::move(info));
    }
    // The tensors must tile the data section exactly: no overlap, no gap.
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return infos_.at(a.second).end < infos_.at(b.second).end;
    });
    uint64_t cursor = 0;
    std::string prev;
    for (const auto& [begin, name] : order) {
      const TensorInfo& info = infos_.at(name);
      if (begin < cursor)
        fail(path, "tensor '" + name + "' overlaps tensor '" + prev + "' (data_offsets begin " +
                       std::to_string(begin) + " < " + std::to_string(cursor) + ")");
      if (begin > cursor)
        fail(path, "tensor '" + name + "' starts at " + std::to_string(begin) +
                       " leaving a gap after byte " + std::to_string(cursor));
      cursor = info.end;
      prev = name;
    }
    if (cursor != data_size)
      fail(path, "tensors cover " + std::to_string(cursor) + " of the " + std::to_string(data_size) +
                     " data bytes (trailing bytes or wrong offsets)");
  } catch (...) {
    if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
    ::close(fd_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [n, i] : infos_) out.push_back(n);
  return out;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = infos_.find(name);
  if (it == infos_.end()) fail(path_, "has no tensor '" + name + "'");
  return it->second;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name, std::optional<torch::Dtype> dtype) const {
  const TensorInfo& i = info(name);
  const DtypeEntry* dt = find_dtype(i.dtype);
  if (!dt->torch_dtype)
    fail(path_, "tensor '" + name + "': dtype " + i.dtype + " is not supported by this LibTorch");
  // Copy out of the mapping (offsets need not be aligned), then convert.
  torch::Tensor t = torch::empty(i.shape, torch::TensorOptions().dtype(*dt->torch_dtype));
  if (i.end > i.begin) std::memcpy(t.data_ptr(), data_ + i.begin, i.end - i.begin);
  if (dtype && *dtype != t.scalar_type()) t = t.to(*dtype);
  return t;
}

// ---- sharded sets ----------------------------------------------------------------

WeightSet WeightSet::open_file(const std::string& path) {
  WeightSet set;
  set.files_.push_back(std::make_shared<SafetensorsFile>(path));
  for (const auto& n : set.files_[0]->names()) set.where_[n] = 0;
  return set;
}

WeightSet WeightSet::open_dir(const std::string& dir, const std::string& prefix) {
  fs::path index = fs::path(dir) / (prefix + ".safetensors.index.json");
  fs::path single = fs::path(dir) / (prefix + ".safetensors");
  if (!fs::exists(index)) {
    if (!fs::exists(single))
      throw Error("model folder " + dir + " has neither " + single.filename().string() + " nor " +
                  index.filename().string());
    return open_file(single.string());
  }
  json j;
  try {
    j = json::parse(read_text_file(index.string()));
  } catch (const json::exception& e) {
    throw Error("index " + index.string() + " is not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error("index " + index.string() + " has no weight_map object");
  WeightSet set;
  std::map<std::string, size_t> by_file;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      throw Error("index " + index.string() + ": weight_map entry '" + it.key() + "' is not a file name");
    std::string file = it.value().get<std::string>();
    if (file.find('/') != std::string::npos || file == ".." || file.empty())
      throw Error("index " + index.string() + ": tensor '" + it.key() + "' names shard '" + file +
                  "' outside the folder");
    auto f = by_file.find(file);
    if (f == by_file.end()) {
      set.files_.push_back(std::make_shared<SafetensorsFile>((fs::path(dir) / file).string()));
      f = by_file.emplace(file, set.files_.size() - 1).first;
    }
    if (!set.files_[f->second]->contains(it.key()))
      throw Error("index " + index.string() + " puts tensor '" + it.key() + "' in " + file +
                  ", which does not hold it");
    set.where_[it.key()] = f->second;
  }
  for (const auto& file : set.files_)
    for (const auto& n : file->names())
      if (!set.where_.count(n))
        throw Error("shard " + file->path() + " holds tensor '" + n + "' that " +
                    index.filename().string() + " does not list");
  return set;
}

std::vector<std::string> WeightSet::names() const {
  std::vector<std::string> out;
  for (const auto& [n, i] : where_) out.push_back(n);
  return out;
}

const TensorInfo& WeightSet::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("weights have no tensor '" + name + "'");
  return files_[it->second]->info(name);
}

torch::Tensor WeightSet::tensor(const std::string& name, std::optional<torch::Dtype> dtype) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("weights have no tensor '" + name + "'");
  return files_[it->second]->tensor(name, dtype);
}

std::string WeightSet::file_of(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("weights have no tensor '" + name + "'");
  return files_[it->second]->path();
}

// ---- writing ----------------------------------------------------------------------

namespace {

// Writes chunks to `path` via `path.tmp.<pid>`, fsyncs, renames.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path)
      : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) throw Error("cannot write " + tmp_ + ": " + sys_error());
  }
  ~AtomicWriter() {
    if (f_) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) throw Error("cannot write " + tmp_ + ": " + sys_error());
  }
  void commit() {
    if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0)
      throw Error("cannot flush " + tmp_ + ": " + sys_error());
    std::fclose(f_);
    f_ = nullptr;
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      std::string err = sys_error();
      std::remove(tmp_.c_str());
      throw Error("cannot rename " + tmp_ + " to " + path_ + ": " + err);
    }
  }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
};

uint64_t byte_size(const torch::Tensor& t) { return static_cast<uint64_t>(t.numel()) * t.element_size(); }

}  // namespace

void save_file(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
               const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw Error("cannot save a tensor named __metadata__ to " + path);
    if (!t.defined()) throw Error("cannot save undefined tensor '" + name + "' to " + path);
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    uint64_t n = byte_size(c);
    header[name] = {{"dtype", to_safetensors_dtype(c.scalar_type())},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + n}}};
    offset += n;
    data.push_back(c);
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text.push_back(' ');
  uint64_t n = text.size();
  AtomicWriter w(path);
  w.write(&n, 8);
  w.write(text.data(), text.size());
  for (const auto& c : data) w.write(c.data_ptr(), byte_size(c));
  w.commit();
}

std::vector<std::string> save_sharded(const std::string& dir,
                                      const std::map<std::string, torch::Tensor>& tensors,
                                      uint64_t max_shard_bytes, const std::string& prefix) {
  fs::create_directories(dir);
  // Greedy split in name order, as save_pretrained does: a new shard starts
  // when the next tensor would push the current one past the limit.
  std::vector<std::map<std::string, torch::Tensor>> shards(1);
  uint64_t current = 0, total = 0;
  for (const auto& [name, t] : tensors) {
    uint64_t n = byte_size(t);
    if (current + n > max_shard_bytes && !shards.back().empty()) {
      shards.emplace_back();
      current = 0;
    }
    shards.back()[name] = t;
    current += n;
    total += n;
  }
  std::vector<std::string> written;
  if (shards.size() == 1) {
    written.push_back(prefix + ".safetensors");
    save_file((fs::path(dir) / written[0]).string(), shards[0]);
  } else {
    json weight_map = json::object();
    char buf[64];
    for (size_t i = 0; i < shards.size(); ++i) {
      std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", i + 1, shards.size());
      std::string file = prefix + buf;
      save_file((fs::path(dir) / file).string(), shards[i]);
      for (const auto& [name, t] : shards[i]) weight_map[name] = file;
      written.push_back(file);
    }
    json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
    std::string file = prefix + ".safetensors.index.json";
    write_file_atomic((fs::path(dir) / file).string(), index.dump(2) + "\n");
    written.push_back(file);
  }
  // Remove weight files of an earlier save that this one does not overwrite.
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    bool ours = name.rfind(prefix, 0) == 0 &&
                (name == prefix + ".safetensors" || name == prefix + ".safetensors.index.json" ||
                 (name.size() > prefix.size() + 1 && name[prefix.size()] == '-' &&
                  name.find("-of-") != std::string::npos &&
                  name.size() >= 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0));
    if (ours && std::find(written.begin(), written.end(), name) == written.end())
      fs::remove(entry.path());
  }
  return written;
}

}  // namespace ragforge::io
