// The checkpoint directories of one output_dir (conventions.md §7): atomic
// publish, the `latest` pointer, `best.json`, retention and start-up cleanup.
// Torch-free: what goes inside a checkpoint is the trainer's business.
//
//   CheckpointStore store(output_dir);
//   store.remove_stale_tmp();                      // leftovers of a killed writer
//   std::string tmp = store.begin("checkpoint-20");  // <output_dir>/.tmp-checkpoint-20
//   ... write files into tmp ...
//   store.publish("checkpoint-20");                // fsync, rename, fsync parent, latest
//   store.prune(save_total_limit);                 // never the best or the latest
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ragforge::train {

// A published checkpoint counts only once its trainer state is there.
constexpr const char* kTrainerStateFile = "trainer_state/state.json";

class CheckpointStore {
 public:
  // Checkpoints are named <prefix><step>.
  explicit CheckpointStore(std::string output_dir, std::string prefix = "checkpoint-");
  const std::string& output_dir() const { return dir_; }

  // Deletes `.tmp-*` directories and `latest.tmp` left by an interrupted write.
  void remove_stale_tmp() const;
  // A fresh, empty `<output_dir>/.tmp-<name>` to write into.
  std::string begin(const std::string& name) const;
  // fsyncs every file under `.tmp-<name>` and the directories, renames it to
  // `<name>` (replacing an incomplete directory of that name), fsyncs the
  // parent and points `latest` at it. Returns the published path.
  std::string publish(const std::string& name) const;

  // Names ("checkpoint-<step>") of complete checkpoints, oldest step first.
  std::vector<std::string> complete_checkpoints() const;
  // The newest complete checkpoint's path, if any.
  std::optional<std::string> newest_complete() const;
  static bool is_complete(const std::string& checkpoint_dir);
  static std::optional<int64_t> step_of(const std::string& name,  // "checkpoint-20" -> 20
                                        const std::string& prefix = "checkpoint-");

  // best.json: {"checkpoint", "step", "metric", "value"}, written atomically;
  // other keys already in the file are kept.
  void write_best(const std::string& name, int64_t step, const std::string& metric, double value) const;
  std::optional<std::string> best_name() const;
  std::optional<std::string> latest_name() const;

  // Keeps the newest `keep` complete checkpoints plus those `latest` and
  // best.json name; deletes the other complete ones. keep < 0 keeps all.
  // Returns the names deleted.
  std::vector<std::string> prune(int64_t keep) const;

 private:
  std::string dir_;
  std::string prefix_;
};

// fsync of a file or directory; an error names the path.
void fsync_path(const std::string& path);
// fsync of every file and directory under `dir`, then `dir` itself.
void fsync_tree(const std::string& dir);

}  // namespace ragforge::train
