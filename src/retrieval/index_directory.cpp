#include "retrieval/index_directory.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.h"
#include "retrieval/bm25_index.h"

namespace ragforge::retrieval {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

void fsync_path(const fs::path& p, int flags, const std::string& shown) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw Error("cannot write the index " + shown + ": cannot open " + p.string() + ": " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot sync a folder (EINVAL); the data files are synced.
  if (rc != 0 && !(err == EINVAL && (flags & O_DIRECTORY)))
    throw Error("cannot write the index " + shown + ": fsync " + p.string() + ": " + errno_text(err) +
                " (is the disk full?)");
}

fs::path parent_of(const fs::path& dest) {
  const fs::path parent = dest.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Swaps `a` and `b`, both existing; false when the file system cannot.
bool exchange(const fs::path& a, const fs::path& b, const std::string& shown) {
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) return false;
  throw Error("cannot move the new index into " + shown + ": " + errno_text(errno));
}

}  // namespace

fs::path index_destination(const std::string& index_dir) {
  fs::path dest = fs::path(index_dir).lexically_normal();
  if (!dest.has_filename()) dest = dest.parent_path();  // "out/" -> "out"
  const std::string name = dest.filename().string();
  if (index_dir.empty() || name.empty() || name == "." || name == "..")
    throw Error("--out '" + index_dir + "' names no new folder: give the index folder's name, e.g. --out index");
  return dest;
}

void check_replaceable(const fs::path& dest, const std::string& shown) {
  std::error_code ec;
  const auto status = fs::symlink_status(dest, ec);
  if (ec || status.type() == fs::file_type::not_found) return;
  if (status.type() != fs::file_type::directory)
    throw Error("refusing to replace " + shown + ": it exists and is not a folder; choose another --out");
  // An index, or what is left of one (Xapian's glass tables without the
  // metadata): the rebuild that open() asks for must be able to replace it.
  if (fs::exists(dest / kIndexMetadataFile, ec) || fs::exists(dest / "iamglass", ec)) return;
  if (fs::is_empty(dest, ec) && !ec) return;
  throw Error("refusing to replace " + shown + ": it is a folder that is not a ragforge index (no " +
              kIndexMetadataFile + " in it); choose another --out or remove the folder");
}

StagingDir::StagingDir(const fs::path& dest, const std::string& shown) : dest_(dest), shown_(shown) {
  const fs::path parent = parent_of(dest);
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw Error("cannot write the index " + shown + ": cannot create " + parent.string() + ": " + ec.message());
  std::string tmpl = (parent / ("." + dest.filename().string() + ".ragforge-build-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw Error("cannot write the index " + shown + ": cannot create a folder in " + parent.string() + ": " +
                errno_text(errno));
  path_ = tmpl;
}

StagingDir::~StagingDir() {
  if (installed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // best effort: the destination is untouched either way
}

void StagingDir::install() {
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) fsync_path(it->path(), O_RDONLY, shown_);
  if (ec) throw Error("cannot write the index " + shown_ + ": cannot list " + path_.string() + ": " + ec.message());
  fsync_path(path_, O_RDONLY | O_DIRECTORY, shown_);

  check_replaceable(dest_, shown_);  // again: the folder may have changed while we built
  const bool dest_exists = fs::exists(fs::symlink_status(dest_, ec));
  if (!dest_exists) {
    if (::rename(path_.c_str(), dest_.c_str()) != 0)
      throw Error("cannot move the new index into " + shown_ + ": " + errno_text(errno));
    installed_ = true;
  } else if (exchange(path_, dest_, shown_)) {
    installed_ = true;
    fs::remove_all(path_, ec);  // the old index, now at the staging path
  } else {
    // No RENAME_EXCHANGE: move the old index aside, the new one in, and put
    // the old one back if that fails.
    std::string aside = (parent_of(dest_) / ("." + dest_.filename().string() + ".ragforge-old-XXXXXX")).string();
    if (::mkdtemp(aside.data()) == nullptr || ::rename(dest_.c_str(), aside.c_str()) != 0)
      throw Error("cannot move the old index " + shown_ + " aside: " + errno_text(errno));
    if (::rename(path_.c_str(), dest_.c_str()) != 0) {
      const int err = errno;
      ::rename(aside.c_str(), dest_.c_str());
      throw Error("cannot move the new index into " + shown_ + ": " + errno_text(err));
    }
    installed_ = true;
    fs::remove_all(aside, ec);
  }
  fsync_path(parent_of(dest_), O_RDONLY | O_DIRECTORY, shown_);
}

}  // namespace ragforge::retrieval
