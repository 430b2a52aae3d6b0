// LibTorch 1.13's unpickler lacks the SETITEM opcode, which Python's pickler
// writes for a dict of exactly one entry (e.g. a state dict of a tied model's
// embedding alone); 2.x reads it. Rewriting each SETITEM as MARK key value
// SETITEMS means the same to every unpickler, so torch_file.cpp applies it
// on every LibTorch instead of branching on the version.
#pragma once
#include <optional>
#include <string>

namespace ragforge::io {

// The pickle with every SETITEM rewritten; nullopt when it has none, or when
// it uses an opcode this walker does not know (the unpickler then reads, or
// refuses, the original). Pickles have no byte offsets, so inserting MARKs is safe.
std::optional<std::string> pickle_without_setitem(const std::string& pickle);

}  // namespace ragforge::io
