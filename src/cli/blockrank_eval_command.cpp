// `ragforge blockrank-eval`: BlockRank's evaluation (scripts/eval_attn.py and
// eval_decode.py of the original) as a Hydra app over
// configs/blockrank-eval.yaml. It ranks every document of every prompt with a
// trained model and writes attn_eval_metrics.json (or decode_eval_metrics.json)
// and a TREC run file to eval.output_dir.
//
//   ragforge blockrank-eval model.model_name_or_path=outputs/blockrank eval.data_path=dev.jsonl
//       eval.qrels_path=dev.qrels.tsv   (one command line)
//   ragforge blockrank-eval -cp configs/blockrank -cn eval_mistral eval.mode=decode
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/blockrank_settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kBlockRankEval(
    "blockrank-eval", "Rank documents with a BlockRank model (attention readout or decoding); configs/blockrank-eval.yaml",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("blockrank-eval", "blockrank-eval", args, [](const config::ConfigView& root) {
        settings::parse_blockrank_eval_config(root);
        return std::string();
      });
    });

}  // namespace
}  // namespace ragforge::cli
