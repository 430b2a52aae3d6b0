// Replacing an index folder atomically: build in a staging folder beside the
// destination, sync it, then swap it into place (renameat2 RENAME_EXCHANGE,
// or two renames where the file system lacks it) and delete what it
// replaced. Readers see the old index or the new one, never a mix, and a
// failed build leaves the destination as it was. Internal to retrieval/.
#pragma once
#include <filesystem>
#include <string>

namespace ragforge::retrieval {

// The destination folder as a clean path ("out/" and "out" are the same).
// Throws ragforge::Error for ".", "..", "/" or "": they name no new folder.
std::filesystem::path index_destination(const std::string& index_dir);

// Throws ragforge::Error unless `dest` is absent, an empty folder, or a
// ragforge index (holds ragforge-index.json, or Xapian's iamglass): nothing
// else is ever replaced.
void check_replaceable(const std::filesystem::path& dest, const std::string& shown);

// A fresh folder ".<name>.ragforge-build-XXXXXX" beside `dest`, deleted with
// everything in it when this is destroyed, unless install() moved it.
class StagingDir {
 public:
  StagingDir(const std::filesystem::path& dest, const std::string& shown);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // fsyncs every file in the folder and the folder, then swaps it into
  // `dest` and removes the index it replaced. Throws ragforge::Error.
  void install();

 private:
  std::filesystem::path dest_, path_;
  std::string shown_;  // the destination as the user wrote it, for messages
  bool installed_ = false;
};

}  // namespace ragforge::retrieval
