// Composition errors through the real CLI: Hydra's text stays byte-exact and
// ragforge adds, before the HYDRA_FULL_ERROR hint, which file and which
// defaults entry (or command-line override) caused the error, and "Did you
// mean" for a misspelt group, option or key. Configs:
// tests/data/configs/compose_errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

const char* const kHint = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n";

std::string config_dir() { return source_dir() + "/tests/data/configs/compose_errors"; }

// stderr of `ragforge compose -cd <dir> -cn <name> args...`, with the config
// folder written as <DIR>; the run must fail with exit status 1.
std::string compose_error(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ragforge_bin(), "compose", "-cd", config_dir(), "-cn", name};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts;
  opts.env["HYDRA_FULL_ERROR"] = "";
  ProcessResult r = run_process(argv, opts);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  std::string err = r.err;
  const std::string dir = config_dir();
  for (size_t i = err.find(dir); i != std::string::npos; i = err.find(dir, i)) err.replace(i, dir.size(), "<DIR>");
  return err;
}

std::string search_path() {
  return "Config search path:\n\tprovider=hydra, path=pkg://hydra.conf\n\tprovider=command-line, path=file://<DIR>\n"
         "\tprovider=schema, path=structured://\n";
}

TEST(ComposeErrors, MisspeltOptionOnTheCommandLine) {
  EXPECT_EQ(compose_error("train", {"model=llama_tni"}),
            "In 'train': Could not find 'model/llama_tni'\n\nAvailable options in 'model':\n\tllama\n\tllama_tiny\n" +
                search_path() +
                "  from command-line override 'model=llama_tni', replacing entry 'model: llama' in defaults of "
                "<DIR>/train.yaml\n"
                "  Did you mean 'llama_tiny'?\n" + kHint);
}

TEST(ComposeErrors, MisspeltOptionInANestedDefaultsList) {
  EXPECT_EQ(compose_error("uses_recipe", {}),
            "In 'recipe/sft': Could not find 'optim/adamw9'\n\nAvailable options in 'optim':\n\tadamw\n\tsgd\n" +
                search_path() +
                "  in defaults of <DIR>/recipe/sft.yaml (entry '/optim: adamw9')\n"
                "  Did you mean 'adamw'?\n" + kHint);
}

TEST(ComposeErrors, MisspeltGroupInADefaultsList) {
  EXPECT_EQ(compose_error("group_typo", {}),
            "In 'group_typo': Could not find 'modle/llama'\n\n" + search_path() +
                "  in defaults of <DIR>/group_typo.yaml (entry 'modle: llama')\n"
                "  Did you mean 'model'?\n" + kHint);
}

TEST(ComposeErrors, OverrideEntryOfAnAppendedExperiment) {
  // Hydra blames 'train', whose entry was replaced; the note names the
  // experiment file that holds the typo.
  EXPECT_EQ(compose_error("train", {"+experiment=bad_override"}),
            "In 'train': Could not find 'model/lama'\n\nAvailable options in 'model':\n\tllama\n"
            "\tllama_tiny\n" + search_path() +
                "  from entry 'override /model: lama' in defaults of <DIR>/experiment/bad_override.yaml, replacing "
                "entry 'model: llama' in defaults of <DIR>/train.yaml\n"
                "  Did you mean 'llama'?\n" + kHint);
}

TEST(ComposeErrors, MandatoryGroupNamesTheConfigThatDeclaresIt) {
  EXPECT_EQ(compose_error("needs_data", {}),
            "You must specify 'data', e.g, data=<OPTION>\nAvailable options:\n\tasqa\n\tnq\n"
            "  in defaults of <DIR>/needs_data.yaml (entry 'data: ?\?\?')\n" + std::string(kHint));
}

TEST(ComposeErrors, MultipleValuesNameBothEntries) {
  EXPECT_EQ(compose_error("two_models", {}),
            "Multiple values for model. To override a value use 'override model: llama_tiny'\n"
            "  in defaults of <DIR>/two_models.yaml (entry 'model: llama')\n"
            "  in defaults of <DIR>/two_models.yaml (entry 'model: llama_tiny'), which also chooses model\n" +
                std::string(kHint));
  EXPECT_EQ(compose_error("train", {"+optim=sgd"}),
            "Multiple values for optim. To override a value use 'override optim: sgd'\n"
            "  in defaults of <DIR>/train.yaml (entry 'optim: adamw')\n"
            "  from command-line override '+optim=sgd', which also chooses optim\n" + std::string(kHint));
}

TEST(ComposeErrors, MisspeltGroupOnTheCommandLine) {
  // Not a group, so Hydra treats it as a value override of a missing key.
  EXPECT_EQ(compose_error("train", {"modle=llama"}),
            "Could not override 'modle'.\nTo append to your config use +modle=llama\nKey 'modle' is not in struct\n"
            "    full_key: modle\n    object_type=dict\n"
            "  Did you mean 'model'?\n" + std::string(kHint));
  EXPECT_EQ(compose_error("train", {"optm@opt2=sgd"}),
            "Override optm@opt2=sgd looks like a config group override, but config group 'optm' does not exist.\n"
            "  Did you mean 'optim'?\n" + std::string(kHint));
}

TEST(ComposeErrors, MisspeltKeyOnTheCommandLine) {
  EXPECT_EQ(compose_error("train", {"trainer.max_step=5"}),
            "Could not override 'trainer.max_step'.\nTo append to your config use +trainer.max_step=5\n"
            "Key 'max_step' is not in struct\n    full_key: trainer.max_step\n    object_type=dict\n"
            "  Did you mean 'trainer.max_steps'?\n" + std::string(kHint));
  // Nothing close: Hydra's text alone.
  EXPECT_EQ(compose_error("train", {"trainer.zzz=5"}),
            "Could not override 'trainer.zzz'.\nTo append to your config use +trainer.zzz=5\n"
            "Key 'zzz' is not in struct\n    full_key: trainer.zzz\n    object_type=dict\n" + std::string(kHint));
}

TEST(ComposeErrors, MergeErrorNamesTheFile) {
  EXPECT_EQ(compose_error("merge_clash", {}),
            "TypeError: Cannot merge DictConfig with ListConfig\n  in <DIR>/merge_clash.yaml\n");
}

TEST(ComposeErrors, InfoDefaultsReportsTheSameContext) {
  EXPECT_EQ(compose_error("train", {"--info", "defaults", "model=llama_tni"}),
            "In 'train': Could not find 'model/llama_tni'\n\nAvailable options in 'model':\n\tllama\n\tllama_tiny\n" +
                search_path() +
                "  from command-line override 'model=llama_tni', replacing entry 'model: llama' in defaults of "
                "<DIR>/train.yaml\n"
                "  Did you mean 'llama_tiny'?\n" + kHint);
}

}  // namespace
}  // namespace ragforge::testing
