// `inference`: RAG-FiT's inference step (recipes.md §1.5), top to bottom:
// config → model (+ adapter) → rows → prompts rendered as in training →
// batched generation with a KV cache → one {text, target} line per row.
//
// generated_file is append-only and resumable: a rerun skips the rows it
// already holds, a torn last line from a crash is cut off, and SIGTERM or
// SIGINT stop at a batch boundary with every finished row on disk.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "data/jsonl.h"
#include "data/resumable_jsonl.h"
#include "data/sft_prompt.h"
#include "lora/peft.h"
#include "model/generate.h"
#include "runtime/job_registry.h"
#include "settings/inference_settings.h"
#include "template/value.h"
#include "train/compute_device.h"
#include "train/signal_guard.h"

namespace ragforge::recipes {
namespace {

namespace fs = std::filesystem;
using settings::InferenceSettings;

// ---- model --------------------------------------------------------------------

torch::Dtype model_dtype(const std::string& torch_dtype, const torch::Device& device) {
  if (torch_dtype == "bfloat16") return torch::kBFloat16;
  if (torch_dtype == "float32") return torch::kFloat32;
  return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;  // "auto" or unset
}

model::CausalLM load_model(const InferenceSettings& s, const torch::Device& device) {
  auto lm = model::CausalLM(model::CausalLMImpl::from_pretrained(s.model_name_or_path, model_dtype(s.torch_dtype, device), device));
  if (!s.lora_path.empty()) {
    if (!fs::exists(fs::path(s.lora_path) / "adapter_config.json")) {
      if (fs::exists(fs::path(s.lora_path) / "config.json"))
        throw Error("model.lora_path: '" + s.lora_path +
                    "' is a full model folder, not a PEFT adapter; set model.model_name_or_path=" + s.lora_path +
                    " and model.lora_path=null");
      throw Error("model.lora_path: '" + s.lora_path +
                  "' has no adapter_config.json; point it at a PEFT adapter folder such as <train.output_dir>/checkpoint");
    }
    lora::load_adapter(*lm, s.lora_path, "default");
    std::cerr << "inference: adapter " << s.lora_path << " on " << s.model_name_or_path << "\n";
  }
  lm->eval();
  return lm;
}

// The model folder's generation_config.json: what HF generate() uses for
// every setting the config leaves unset, and its stop ids (else config.json's).
struct GenerationDefaults {
  std::vector<int64_t> eos_ids;
  nlohmann::json values = nlohmann::json::object();  // do_sample, temperature, top_k, top_p
};

GenerationDefaults generation_defaults(const model::CausalLMImpl& lm, const std::string& model_dir) {
  GenerationDefaults d;
  d.eos_ids = lm.config().eos_token_ids;
  const fs::path path = fs::path(model_dir) / "generation_config.json";
  std::ifstream in(path);
  if (!in) return d;
  const auto g = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!g.is_object())
    throw Error(path.string() + ": not a JSON object; fix the file or remove it to use config.json's eos ids");
  if (auto e = g.find("eos_token_id"); e != g.end() && !e->is_null()) {
    d.eos_ids.clear();
    for (const auto& v : e->is_array() ? *e : nlohmann::json::array({*e})) {
      if (!v.is_number_integer()) throw Error(path.string() + ": eos_token_id must be an integer or a list of them");
      d.eos_ids.push_back(v.get<int64_t>());
    }
  }
  for (const char* k : {"do_sample", "temperature", "top_k", "top_p"})
    if (auto v = g.find(k); v != g.end() && (v->is_number() || v->is_boolean())) d.values[k] = *v;
  return d;
}

// Unset settings take generation_config.json's values, then HF's defaults.
model::GenerationOptions generation_options(const settings::GenerationSettings& s, const GenerationDefaults& d) {
  model::GenerationOptions g;
  g.do_sample = s.do_sample.value_or(d.values.value("do_sample", false));
  g.temperature = s.temperature.value_or(d.values.value("temperature", 1.0));
  g.top_k = s.top_k.value_or(d.values.value("top_k", int64_t{50}));
  g.top_p = s.top_p.value_or(d.values.value("top_p", 1.0));
  if (g.do_sample && g.temperature <= 0)
    throw Error("model.generation.temperature: must be positive when sampling, got " + std::to_string(g.temperature));
  return g;
}

// Stops: generation_config.json's eos ids plus the tokenizer's eos token
// (fine-tuned chat models end turns with it even where the folder omits it).
std::vector<int64_t> stop_ids(const GenerationDefaults& d, const tokenizer::Tokenizer& tok) {
  std::vector<int64_t> ids = d.eos_ids;
  if (tok.eos_token())
    if (auto id = tok.token_to_id(*tok.eos_token()); id && std::find(ids.begin(), ids.end(), *id) == ids.end())
      ids.push_back(*id);
  return ids;
}

// ---- rows -----------------------------------------------------------------------

std::vector<data::JsonlRow> read_rows(const InferenceSettings& s) {
  auto check = [&s](const nlohmann::json& row) -> std::string {
    auto in = row.find(s.input_key);
    if (in == row.end()) return "missing key '" + s.input_key + "' (set input_key=<the prompt's key>)";
    const bool nested = in->is_object() && in->contains("prompt") && (*in)["prompt"].is_string();
    if (!in->is_string() && !nested)
      return "key '" + s.input_key + "' must be a string (or {\"prompt\": <string>}), got " + in->dump().substr(0, 80);
    if (!row.contains(s.target_key)) return "missing key '" + s.target_key + "' (set target_key=<the label's key>)";
    return "";
  };
  auto rows = data::read_jsonl(s.data_file, data::OnError::Raise, check).rows;
  if (s.limit && static_cast<size_t>(*s.limit) < rows.size()) rows.resize(static_cast<size_t>(*s.limit));
  return rows;
}

std::string query_of(const nlohmann::json& row, const std::string& key) {
  const auto& q = row[key];
  return q.is_string() ? q.get<std::string>() : q["prompt"].get<std::string>();  // RAG-FiT accepts {prompt: ...}
}

// ---- generation -------------------------------------------------------------------

struct Batch {
  torch::Tensor ids, mask;                  // [B, T] left-padded
  std::vector<std::vector<int32_t>> prompts;  // each row's prompt ids, unpadded
};

Batch left_padded(std::vector<std::vector<int32_t>> prompts, int32_t pad) {
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  const auto B = static_cast<int64_t>(prompts.size()), T = static_cast<int64_t>(longest);
  Batch b;
  b.ids = torch::full({B, T}, pad, torch::kInt64);
  b.mask = torch::zeros({B, T}, torch::kInt64);
  for (int64_t r = 0; r < B; ++r) {
    const auto& p = prompts[static_cast<size_t>(r)];
    const int64_t off = T - static_cast<int64_t>(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      b.ids[r][off + static_cast<int64_t>(i)] = p[i];
      b.mask[r][off + static_cast<int64_t>(i)] = 1;
    }
  }
  b.prompts = std::move(prompts);
  return b;
}

// The new text as HF's text-generation pipeline returns it with
// return_full_text=false: decode(prompt + new) minus decode(prompt), special
// tokens skipped, up to the first stop token.
std::string new_text(const tokenizer::Tokenizer& tok, const std::vector<int32_t>& prompt, const torch::Tensor& tokens,
                     int64_t budget, const std::vector<int64_t>& stops, int64_t& counted) {
  std::vector<int32_t> all = prompt;
  for (int64_t i = 0; i < std::min(budget, tokens.size(0)); ++i) {
    const int64_t t = tokens[i].item<int64_t>();
    if (std::find(stops.begin(), stops.end(), t) != stops.end()) break;
    all.push_back(static_cast<int32_t>(t));
    ++counted;
  }
  const std::string prompt_text = tok.decode(prompt, /*skip_special_tokens=*/true);
  const std::string text = tok.decode(all, /*skip_special_tokens=*/true);
  const std::string tail = text.size() >= prompt_text.size() ? text.substr(prompt_text.size()) : text;
  // Slicing by length (as HF does) can cut a character in two; U+FFFD replaces the pieces.
  return nlohmann::json::parse(nlohmann::json(tail).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .get<std::string>();
}

// A line as RAG-FiT's json.dumps writes it: ", " and ": " separators, non-ASCII escaped.
std::string python_json_line(const nlohmann::ordered_json& j) {
  tmpl::Value::JsonOptions o;
  o.ensure_ascii = true;
  return tmpl::Value::from_json(j).to_json(o);
}

int run_inference(const runtime::JobContext& job) {
  // 1. Config.
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "inference config");
  const InferenceSettings s = settings::parse_inference_settings(config::ConfigView(cfg));

  // 2. Model, tokenizer, prompt renderer (the training one, so prompts match).
  const torch::Device device = train::default_device();
  tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_dir(s.tokenizer);
  if (!s.chat_template.empty()) tok.set_chat_template(s.chat_template);
  settings::SftDataSettings prompt_settings;
  prompt_settings.instruction = s.instruction;
  prompt_settings.template_file = s.template_file;
  prompt_settings.instruction_in_prompt = s.instruction_in_prompt;
  std::vector<std::string> notes;
  const data::SftPromptRenderer renderer(prompt_settings, tok, notes);
  for (const auto& n : notes) std::cerr << "inference: " << n << "\n";

  // 3. Rows, and where a previous run stopped: line i must answer row i.
  const std::vector<data::JsonlRow> rows = read_rows(s);
  data::ResumableJsonl out(s.generated_file);
  if (out.torn_bytes_dropped() > 0)
    std::cerr << "inference: cut a torn last line (" << out.torn_bytes_dropped() << " bytes) from " << s.generated_file
              << "\n";
  const auto total = static_cast<int64_t>(rows.size());
  const int64_t done_before = out.complete_lines();
  if (done_before > total)
    throw Error(s.generated_file + " already holds " + std::to_string(done_before) + " lines but " + s.data_file +
                " gives " + std::to_string(total) + " rows (limit " + (s.limit ? std::to_string(*s.limit) : "none") +
                "); set generated_file=<a new path>, raise limit, or delete the file");
  for (int64_t i = 0; i < done_before; ++i) {
    const auto& line = out.existing()[static_cast<size_t>(i)];
    const auto& row = rows[static_cast<size_t>(i)];
    if (!line.contains("text") || line.value("target", nlohmann::json()) != row.value[s.target_key])
      throw Error(s.generated_file + ":" + std::to_string(i + 1) + ": does not answer " + s.data_file + ":" +
                  std::to_string(row.line) + " (its target differs), so it cannot be resumed; set "
                  "generated_file=<a new path> or delete the file");
  }
  if (done_before == total) {
    std::cerr << "inference: " << s.generated_file << " already holds all " << total << " rows; nothing to do\n";
    return 0;
  }

  // 4. Prompts of the remaining rows, tokenized as in training (no extra
  // special tokens); each row's new-token budget.
  model::CausalLM lm = load_model(s, device);
  const int64_t context = lm->config().max_position_embeddings;
  std::vector<std::vector<int32_t>> prompts;
  std::vector<int64_t> budgets;
  int64_t truncated = 0;
  for (int64_t r = done_before; r < total; ++r) {
    const auto& row = rows[static_cast<size_t>(r)];
    const std::string where = s.data_file + ":" + std::to_string(row.line);
    std::vector<int32_t> ids;
    try {
      ids = tok.encode_ids(renderer.render_prompt(query_of(row.value, s.input_key)), /*add_special_tokens=*/false);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    int64_t budget = s.generation.max_new_tokens;
    if (s.generation.max_length) {  // HF: max_length counts the row's own prompt
      budget = *s.generation.max_length - static_cast<int64_t>(ids.size());
      if (budget <= 0)
        throw Error(where + ": the prompt has " + std::to_string(ids.size()) + " tokens, so model.generation.max_length=" +
                    std::to_string(*s.generation.max_length) + " leaves no room; set model.generation.max_new_tokens");
    }
    if (context > 0 && context > budget && static_cast<int64_t>(ids.size()) > context - budget) {
      if (truncated++ == 0)
        std::cerr << "inference: " << where << ": the prompt (" << ids.size() << " tokens) and " << budget
                  << " new tokens exceed the context of " << context << "; its last tokens are kept\n";
      ids.erase(ids.begin(), ids.end() - (context - budget));  // keep the question and the generation prompt
    }
    prompts.push_back(std::move(ids));
    budgets.push_back(budget);
  }

  // 5. Generation settings: unset ones from generation_config.json, then HF's defaults.
  const GenerationDefaults defaults = generation_defaults(*lm, s.model_name_or_path);
  model::GenerationOptions g = generation_options(s.generation, defaults);
  const std::vector<int64_t> stops = stop_ids(defaults, tok);
  const int32_t pad = tok.pad_token_id().value_or(stops.empty() ? 0 : static_cast<int32_t>(stops[0]));
  g.stop_token_ids = stops.empty() ? std::vector<int64_t>{-1} : stops;
  g.pad_token_id = pad;
  g.use_cache = s.use_cache;
  std::cerr << "inference: " << total << " rows, " << done_before << " already in " << s.generated_file << "; "
            << (g.do_sample ? "sampling" : "greedy") << ", batch " << s.batch_size << ", "
            << (s.use_cache ? "KV cache" : "no cache") << "\n";

  // 6. Generate batch by batch; every finished row is on disk before the next batch.
  train::SignalGuard signals;
  int64_t new_tokens = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t start = done_before; start < total; start += s.batch_size) {
    if (signals.received()) {
      std::cerr << "inference: stopped by signal " << signals.received() << " after " << start << " of " << total
                << " rows; rerun to resume\n";
      return train::SignalGuard::exit_code_for(signals.received());
    }
    const int64_t end = std::min(total, start + s.batch_size);
    const auto first = static_cast<size_t>(start - done_before), last = static_cast<size_t>(end - done_before);
    Batch b = left_padded({prompts.begin() + first, prompts.begin() + last}, pad);
    g.max_new_tokens = *std::max_element(budgets.begin() + first, budgets.begin() + last);
    // Seeded by the batch's first row, so a resumed sampled run draws as an uninterrupted one.
    torch::manual_seed(static_cast<uint64_t>(s.seed + start));
    auto produced = model::generate(*lm, b.ids, b.mask, g).new_tokens.to(torch::kCPU);
    for (int64_t r = start; r < end; ++r) {
      const auto i = static_cast<size_t>(r - start);
      nlohmann::ordered_json line;
      line["text"] = new_text(tok, b.prompts[i], produced[static_cast<int64_t>(i)], budgets[first + i], stops, new_tokens);
      line["target"] = rows[static_cast<size_t>(r)].value[s.target_key];
      out.append(python_json_line(line));
    }
    out.sync();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "inference: " << end << "/" << total << " rows | " << static_cast<int64_t>(new_tokens / std::max(secs, 1e-9))
              << " tok/s\n";
  }
  if (truncated)
    std::cerr << "inference: " << truncated << " prompts were cut to fit the context\n";
  std::cerr << "inference: wrote " << (total - done_before) << " rows to " << s.generated_file << "\n";
  return 0;
}

const runtime::JobRegistration kInference("inference", run_inference);

}  // namespace
}  // namespace ragforge::recipes
