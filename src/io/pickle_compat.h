// What Python's pickler writes for torch.save that LibTorch 1.13's unpickler
// cannot read, rewritten into what it can (2.x reads both):
//   - SETITEM, written for a dict of exactly one entry, becomes MARK key value SETITEMS;
//   - OrderedDict(), which 1.13 turns into None (state_dict() is one), becomes
//     an empty dict: `EMPTY_TUPLE REDUCE` after its class is replaced by `POP EMPTY_DICT`,
//     and the BUILD that sets its _metadata attribute by POP.
// The rewrites mean the same to every unpickler, so torch_file.cpp applies them
// on every LibTorch instead of branching on the version. Pickles hold no byte
// offsets, so inserting MARKs is safe.
#pragma once
#include <optional>
#include <string>

namespace ragforge::io {

// The rewritten pickle; nullopt when nothing needs rewriting, or when it uses
// an opcode this walker does not know (the unpickler then reads, or refuses,
// the original). Never reads past `pickle`.
std::optional<std::string> pickle_for_libtorch(const std::string& pickle);

}  // namespace ragforge::io
