// The shared training loop (see trainer.h). One Loop object per train() call
// holds the run's components; its methods are the loop's phases, in the
// order they happen: setup and resume, step, log, evaluate, save, finish.
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "distributed/data_parallel.h"
#include "distributed/world.h"
#include "metrics/jsonl_sink.h"
#include "train/checkpoint_store.h"
#include "train/device_stats.h"
#include "train/gradients.h"
#include "train/loss_scaler.h"
#include "train/lr_schedule.h"
#include "train/nonfinite_report.h"
#include "train/progress.h"
#include "train/rng_state.h"
#include "train/signal_guard.h"
#include "train/trainer_state.h"

namespace ragforge::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t total_training_steps(const settings::TrainingArguments& args, int64_t micro_batches_per_epoch, int world_size) {
  if (args.max_steps > 0) return args.max_steps;
  const int64_t group = args.gradient_accumulation_steps * std::max(world_size, 1);
  const int64_t per_epoch = (micro_batches_per_epoch + group - 1) / group;
  // HF: math.ceil(num_train_epochs * num_update_steps_per_epoch)
  return static_cast<int64_t>(std::ceil(args.num_train_epochs * static_cast<double>(per_epoch)));
}

namespace {

// ---- small helpers -------------------------------------------------------------

std::string metric_key(const std::string& prefix, const std::string& key) {
  return key.find('/') == std::string::npos ? prefix + key : key;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    default: return "SIGTERM";
  }
}

// One optimizer step's outcome.
struct StepResult {
  double loss = 0;       // reduced over the step's micro-batches
  double grad_norm = 0;  // before clipping
  double lr = 0;
  double seconds = 0;
  int64_t tokens = 0, samples = 0;
  bool skipped = false;  // non-finite: no update
  bool overflow = false; // fp16: skipped for inf/NaN gradients at the loss scale (the loss was finite)
  bool fatal = false;    // non-finite and the policy says stop
  bool epoch_ended = false;
  std::map<std::string, std::pair<double, int64_t>> metrics;  // recipe metrics: sum, count (this rank's)
  distributed::ReduceTiming reduce;  // world size > 1: the gradient all-reduce
  int stop_signal = 0;               // world size > 1: the largest signal any rank has received
  bool sink_stop = false;            // world size > 1: rank 0's sinks asked to stop
};

// Sums over one logging window.
struct Window {
  double loss_sum = 0, seconds = 0, reduce_span_s = 0, reduce_exposed_s = 0;
  int64_t loss_steps = 0, steps = 0, tokens = 0;
  std::map<std::string, std::pair<double, int64_t>> metrics;
  void add(const StepResult& r) {
    ++steps;
    seconds += r.seconds;
    reduce_span_s += r.reduce.span_s;
    reduce_exposed_s += r.reduce.exposed_s;
    tokens += r.tokens;
    if (!r.skipped || r.overflow) {  // an overflow step's loss is real (HF logs it too)
      loss_sum += r.loss;
      ++loss_steps;
    }
    for (const auto& [k, v] : r.metrics) {
      metrics[k].first += v.first;
      metrics[k].second += v.second;
    }
  }
};

// ---- the loop ------------------------------------------------------------------

class Loop {
 public:
  Loop(Recipe& recipe, const settings::TrainingArguments& args, TrainerContext& ctx, const SignalGuard& signals)
      : recipe_(recipe), args_(args), ctx_(ctx), signals_(signals), store_(args.output_dir, args.checkpoint_prefix) {}

  TrainResult run() {
    setup();
    recipe_.module().train();
    while (state_.global_step < total_steps_) {
      // Multi-process: the flags were all-reduced at the end of the last step,
      // so every rank stops at the same boundary.
      const int sig = dp_ ? pending_signal_ : signals_.received();
      if (sig) return stop_early(SignalGuard::exit_code_for(sig), std::string("received ") + signal_name(sig));
      if (dp_ ? pending_sink_stop_ : sinks_.stop_requested())
        return stop_early(143, "a metrics sink asked the run to stop (W&B Stop)");
      StepResult r = step();
      pending_signal_ = r.stop_signal;
      pending_sink_stop_ = r.sink_stop;
      if (r.fatal) return stop_for_nonfinite();
      window_.add(r);
      session_steps_ += 1;
      if (!r.skipped || r.overflow) {
        session_loss_sum_ += r.loss;
        ++session_loss_steps_;
      }
      session_samples_ += r.samples;
      const bool last = state_.global_step == total_steps_;
      const bool log_now = args_.logging_strategy == "steps" ? (state_.global_step % args_.logging_steps == 0 || last)
                           : args_.logging_strategy == "epoch" ? (r.epoch_ended || last)
                                                               : false;
      progress_->on_step(report(r), log_now);
      if (log_now) log_window(r);
      if ((args_.eval_strategy == "steps" && args_.eval_steps > 0 && state_.global_step % args_.eval_steps == 0) ||
          (args_.eval_strategy == "epoch" && r.epoch_ended))
        evaluate();
      if ((args_.save_strategy == "steps" && state_.global_step % args_.save_steps == 0) ||
          (args_.save_strategy == "epoch" && r.epoch_ended))
        save_checkpoint();
    }
    return finish();
  }

  // The run failed with an exception: sinks still get told.
  void abort() {
    progress_.reset();
    sinks_.finish(1, false);
  }

 private:
  // ---- setup and resume

  void setup() {
    start_time_ = Clock::now();
    micro_batches_ = recipe_.micro_batches_per_epoch();
    if (micro_batches_ <= 0) throw Error("train: the recipe has no training micro-batches; check the training data");
    torch::manual_seed(static_cast<uint64_t>(args_.seed));

    params_ = recipe_.trainable_parameters();
    if (params_.empty()) throw Error("train: the recipe has no trainable parameters");
    device_ = params_.front().second.device();
    // RANK/WORLD_SIZE (or SLURM's) > 1: join the others; rank 0 alone writes files.
    dp_ = distributed::DataParallel::join(distributed::world_from_env(), args_.distributed, device_);
    main_ = !dp_ || dp_->rank() == 0;
    if (main_) store_.remove_stale_tmp();
    OptimizerConfig oc;
    oc.name = args_.optim;
    oc.weight_decay = args_.weight_decay;
    oc.beta1 = args_.adam_beta1;
    oc.beta2 = args_.adam_beta2;
    oc.eps = args_.adam_epsilon;
    oc.decay_all = args_.decay_all;
    for (const auto& [name, p] : params_)
      if (args_.master_weights == "fp32" && (p.scalar_type() == torch::kBFloat16 || p.scalar_type() == torch::kHalf))
        oc.fp32_master_weights = true;
    optimizer_ = dp_ ? dp_->make_optimizer(oc, params_) : make_optimizer(oc, params_);
    LossScalerOptions scaler_options = ctx_.loss_scaler;
    scaler_options.enabled = args_.fp16;  // bf16 and fp32 need no scaling
    scaler_ = LossScaler(scaler_options);

    schedule_.name = args_.lr_scheduler_type;
    schedule_.warmup_steps = args_.warmup_steps;
    schedule_.warmup_ratio = args_.warmup_ratio;
    schedule_.floor_warmup_ratio = args_.floor_warmup_ratio;
    schedule_.min_lr_ratio = args_.learning_rate > 0 ? args_.min_lr / args_.learning_rate : 0.0;
    validate_schedule(schedule_);

    state_.seed = args_.seed;
    state_.max_steps = args_.max_steps;
    state_.config_hash = config_hash(ctx_.config_yaml);
    total_steps_ = total_training_steps(args_, micro_batches_, world_size());

    const std::string metrics_path =
        (fs::path(ctx_.run_dir.empty() ? args_.output_dir : ctx_.run_dir) / "logs" / "metrics.jsonl").string();
    std::optional<std::string> resume_dir = find_resume_checkpoint();
    if (resume_dir) {
      resume_from(*resume_dir);
      if (main_) metrics::truncate_after_step(metrics_path, state_.global_step);  // before the sink appends
    }
    if (dp_) {
      // Every rank must continue from the same step (one checkpoint, seen by all).
      const double steps = dp_->sum({static_cast<double>(state_.global_step)})[0];
      if (steps != static_cast<double>(state_.global_step) * world_size())
        throw Error("train: the ranks resumed from different steps (this one from step " +
                    std::to_string(state_.global_step) + "); train.output_dir must be on a filesystem every rank "
                    "sees, or give train.resume_from_checkpoint an explicit checkpoint path");
    }
    state_.total_steps = total_steps_;
    state_.scheduler = {{"name", schedule_.name},
                        {"base_lr", args_.learning_rate},
                        {"warmup_steps", warmup_steps(schedule_, total_steps_)},
                        {"total_steps", total_steps_}};
    start_step_ = state_.global_step;

    if (main_) sinks_.add(std::make_unique<metrics::JsonlSink>(metrics_path));
    if (!main_) ctx_.sinks.clear();  // metrics, W&B and the console are rank 0's
    for (size_t i = 0; i < ctx_.sinks.size(); ++i) {
      extra_sinks_.push_back(ctx_.sinks[i].get());
      if (resume_dir && i < state_.sinks.size() && !state_.sinks[i].is_null()) ctx_.sinks[i]->restore(state_.sinks[i]);
      sinks_.add(std::move(ctx_.sinks[i]));
    }
    ctx_.sinks.clear();
    progress_ = main_ ? std::make_unique<Progress>(args_.progress, start_step_, total_steps_, &sinks_)
                      : std::make_unique<Progress>("none", start_step_, total_steps_, nullptr);
    const int64_t group = args_.gradient_accumulation_steps * world_size();
    const int64_t per_epoch = (micro_batches_ + group - 1) / group;
    message("train: " + std::to_string(total_steps_) + " optimizer steps (" + std::to_string(per_epoch) +
            " per epoch: " + std::to_string(micro_batches_) + " micro-batches × accumulation " +
            std::to_string(args_.gradient_accumulation_steps) +
            (dp_ ? " × " + std::to_string(world_size()) + " ranks" : std::string()) + "), " + args_.optim + ", " +
            schedule_.name + " lr " + format_number(args_.learning_rate) + ", loss " + args_.loss_reduction);
    if (dp_) message("train: data parallel over " + dp_->describe());
    if (scaler_.enabled())
      message("train: fp16 dynamic loss scaling, scale " + format_number(scaler_.scale(), 6) + " (×" +
                         format_number(scaler_.options().growth_factor) + " after " +
                         std::to_string(scaler_.options().growth_interval) + " good steps, ×" +
                         format_number(scaler_.options().backoff_factor) + " on overflow)");
    if (main_)
      for (const auto& note : notes_) message(note, true);
    if (resume_dir) message("train: resumed from " + *resume_dir + " at step " + std::to_string(start_step_));
  }

  // "latest" → the newest complete checkpoint in output_dir (none: a fresh
  // start); a path must be a complete checkpoint.
  std::optional<std::string> find_resume_checkpoint() {
    const std::string& want = args_.resume_from_checkpoint;
    if (want.empty()) return std::nullopt;
    if (want == "latest") {
      auto newest = store_.newest_complete();
      if (!newest) notes_.push_back("train: no complete checkpoint in " + args_.output_dir + " to resume from; starting fresh");
      return newest;
    }
    if (!fs::is_directory(want))
      throw Error("train.resume_from_checkpoint: " + want + " is not a directory; give a checkpoint-<step> directory or 'latest'");
    if (!CheckpointStore::is_complete(want))
      throw Error("train.resume_from_checkpoint: " + want + " has no " + kTrainerStateFile +
                  ", so it is incomplete (a save was interrupted); use an earlier checkpoint or 'latest'");
    return want;
  }

  void resume_from(const std::string& dir) {
    TrainerState saved = read_trainer_state(dir);
    if (saved.seed != args_.seed)
      notes_.push_back("warning: train.seed is " + std::to_string(args_.seed) + " but the checkpoint was trained with " +
                       std::to_string(saved.seed) + "; the checkpoint wins");
    if (saved.max_steps != args_.max_steps) {
      notes_.push_back("warning: train.max_steps is " + std::to_string(args_.max_steps) + " but the checkpoint has " +
                       std::to_string(saved.max_steps) + "; the checkpoint wins");
      settings::TrainingArguments a = args_;
      a.max_steps = saved.max_steps;
      total_steps_ = total_training_steps(a, micro_batches_, world_size());
    }
    if (!saved.config_hash.empty() && saved.config_hash != state_.config_hash)
      notes_.push_back("note: the config differs from the checkpoint's (hash " + saved.config_hash + " → " +
                       state_.config_hash + ")");
    recipe_.load_weights(dir);
    restore_optimizer_and_rng(dir, *optimizer_, dp_ ? dp_->rank() : 0);
    const std::string hash = state_.config_hash;
    state_ = saved;  // counters, data position, best metric, seed and max_steps: the checkpoint wins
    state_.config_hash = hash;
    scaler_.load_state_dict(saved.loss_scaler, (fs::path(dir) / kTrainerStateFile).string());
    last_saved_step_ = state_.global_step;
  }

  // ---- one optimizer step

  StepResult step() {
    const auto t0 = Clock::now();
    StepResult r;
    // The step's micro-batches [begin, end) of the epoch, over all ranks; this
    // rank computes `mine` (all of them at world size 1).
    const int64_t begin = state_.index_in_epoch;
    const int64_t end = std::min(begin + args_.gradient_accumulation_steps * world_size(), micro_batches_);
    const int64_t n = end - begin;
    std::vector<int64_t> mine;
    if (dp_) mine = dp_->shard(begin, end);
    else
      for (int64_t i = begin; i < end; ++i) mine.push_back(i);
    const int64_t skipped_empty_before = state_.skipped_empty;
    const bool token_mean = args_.loss_reduction == "token_mean";
    std::vector<torch::Tensor> micro_losses;  // detached float32, for the NaN report
    std::vector<int64_t> sample_ids;
    torch::Tensor weighted_sum;  // Σ loss_i·w_i on the loss's device
    int64_t supervised_total = 0;

    for (size_t m = 0; m < mine.size(); ++m) {
      const int64_t i = mine[m];
      if (dp_) dp_->before_backward(m + 1 == mine.size());  // the last backward sends the buckets
      MicroBatch batch = recipe_.micro_batch(state_.epoch, i);
      r.tokens += batch.tokens;
      r.samples += static_cast<int64_t>(batch.sample_ids.size());
      sample_ids.insert(sample_ids.end(), batch.sample_ids.begin(), batch.sample_ids.end());
      LossOutput out = recipe_.loss(batch);
      for (const auto& [k, v] : out.metrics) {
        r.metrics[k].first += v;
        r.metrics[k].second += 1;
      }
      if (out.supervised <= 0 || !out.loss.defined()) {  // empty supervision: loss 0, no gradient
        ++state_.skipped_empty;
        micro_losses.push_back(torch::zeros({}));
        continue;
      }
      torch::Tensor loss = out.loss.to(torch::kFloat32);
      // microbatch_mean: loss/n now; token_mean: loss·count now, ÷ the step's count below.
      const double weight = token_mean ? static_cast<double>(out.supervised) : 1.0 / static_cast<double>(n);
      scaler_.scale_loss(loss * weight).backward();  // fp16: × the loss scale
      torch::Tensor detached = loss.detach();
      micro_losses.push_back(detached);
      weighted_sum = weighted_sum.defined() ? weighted_sum + detached * weight : detached * weight;
      supervised_total += out.supervised;
    }

    double loss_value = weighted_sum.defined() ? weighted_sum.item<double>() : 0.0;
    if (dp_) {
      // Gradients summed over ranks; then one all-reduce of the step's numbers
      // (and of the stop flags, so every rank stops at the same boundary).
      r.reduce = dp_->reduce_gradients();
      const std::vector<double> total = dp_->sum(
          {loss_value, static_cast<double>(supervised_total), static_cast<double>(r.tokens),
           static_cast<double>(r.samples), static_cast<double>(state_.skipped_empty - skipped_empty_before)});
      loss_value = total[0];
      supervised_total = static_cast<int64_t>(total[1]);
      r.tokens = static_cast<int64_t>(total[2]);
      r.samples = static_cast<int64_t>(total[3]);
      state_.skipped_empty = skipped_empty_before + static_cast<int64_t>(total[4]);
      const double flags = dp_->max(static_cast<double>(signals_.received()) +
                                    (main_ && sinks_.stop_requested() ? 1000.0 : 0.0));
      r.sink_stop = flags >= 1000.0;
      r.stop_signal = static_cast<int>(flags - (r.sink_stop ? 1000.0 : 0.0));
    }
    // fp16: back to true gradients (fp32 arithmetic) before the norm and clipping, as HF's unscale_.
    bool overflow = scaler_.unscale(params_);
    if (dp_ && scaler_.enabled()) overflow = dp_->max(overflow ? 1.0 : 0.0) > 0;  // ZeRO-2: each rank saw its share
    if (token_mean && supervised_total > 0) scale_grads(params_, 1.0 / static_cast<double>(supervised_total));
    if (token_mean && supervised_total > 0) loss_value /= static_cast<double>(supervised_total);
    r.loss = loss_value;
    r.grad_norm = dp_ ? dp_->grad_norm(params_) : global_grad_norm(params_);
    r.lr = args_.learning_rate * lr_multiplier(schedule_, state_.scheduler_step, total_steps_);

    const int64_t epoch_of_step = state_.epoch;
    state_.index_in_epoch = end;
    if (end == micro_batches_) {
      ++state_.epoch;
      state_.index_in_epoch = 0;
      r.epoch_ended = true;
    }

    if (std::isfinite(r.loss) && overflow) {
      // The loss scale was too high (normal early in fp16 training): no
      // update and no scheduler step, as GradScaler.step in HF; not counted
      // towards nan_max_consecutive.
      r.skipped = r.overflow = true;
      ++state_.overflow_skipped;
    } else if (std::isfinite(r.loss) && std::isfinite(r.grad_norm)) {
      state_.consecutive_nonfinite = 0;
      clip_grads(params_, r.grad_norm, args_.max_grad_norm);
      optimizer_->step(r.lr);
    } else {
      r.skipped = true;
      ++state_.nonfinite_skipped;
      ++state_.consecutive_nonfinite;
      if (args_.nan_policy == "stop" || state_.consecutive_nonfinite >= args_.nan_max_consecutive) {
        NonfiniteEvent e;
        e.step = state_.global_step + 1;
        e.epoch = epoch_of_step;
        e.first_index = begin;
        e.loss = r.loss;
        e.grad_norm = r.grad_norm;
        for (const auto& l : micro_losses) e.micro_losses.push_back(l.item<double>());
        e.sample_ids = sample_ids;
        e.consecutive = state_.consecutive_nonfinite;
        nonfinite_dir_ = (fs::path(args_.output_dir) / ("nan-" + std::to_string(e.step))).string();
        if (main_) nonfinite_dir_ = write_nonfinite_report(args_.output_dir, e, params_);  // rank 0's micro-batches
        r.fatal = true;
      }
    }
    scaler_.update(overflow);
    optimizer_->zero_grad();
    if (!r.fatal) {
      ++state_.global_step;
      if (!r.overflow) ++state_.scheduler_step;
    }
    state_.tokens_seen += r.tokens;
    state_.samples_seen += r.samples;
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return r;
  }

  // ---- logging, evaluation, checkpoints

  double epoch_progress() const {
    return static_cast<double>(state_.epoch) +
           static_cast<double>(state_.index_in_epoch) / static_cast<double>(micro_batches_);
  }

  double tokens_per_second() const { return window_.seconds > 0 ? static_cast<double>(window_.tokens) / window_.seconds : 0.0; }

  double mfu(double tokens_per_s) {
    if (ctx_.flops_per_token <= 0 || !device_.is_cuda()) return -1;
    if (peak_flops_ < 0) peak_flops_ = dense_bf16_peak_flops(nvidia_gpu_name());
    return peak_flops_ > 0 ? ctx_.flops_per_token * tokens_per_s / peak_flops_ : -1;
  }

  StepReport report(const StepResult& r) {
    StepReport rep;
    rep.step = state_.global_step;
    rep.total = total_steps_;
    rep.loss = window_.loss_steps > 0 ? window_.loss_sum / static_cast<double>(window_.loss_steps) : r.loss;
    rep.grad_norm = r.grad_norm;
    rep.lr = r.lr;
    rep.step_ms = window_.steps > 0 ? 1000.0 * window_.seconds / static_cast<double>(window_.steps) : 0.0;
    rep.tokens_per_s = tokens_per_second();
    rep.mfu = mfu(rep.tokens_per_s);
    rep.precision = "bf16";
    rep.skipped = r.skipped;
    rep.overflow = r.overflow;
    return rep;
  }

  void log_window(const StepResult& r) {
    metrics::Line line = metrics::make_line(state_.global_step);
    const double tps = tokens_per_second();
    metrics::put(line, "train/loss", window_.loss_steps > 0 ? window_.loss_sum / static_cast<double>(window_.loss_steps) : NAN);
    metrics::put(line, "train/lr", r.lr);
    metrics::put(line, "train/learning_rate", r.lr);
    metrics::put(line, "train/grad_norm", r.grad_norm);
    metrics::put(line, "train/epoch", epoch_progress());
    line["train/tokens"] = state_.tokens_seen;
    line["train/skipped_empty"] = state_.skipped_empty;
    line["train/nonfinite_skipped"] = state_.nonfinite_skipped;
    if (scaler_.enabled()) {
      metrics::put(line, "train/loss_scale", scaler_.scale());  // the scale the next step uses
      line["train/overflow_skipped"] = state_.overflow_skipped;
    }
    // Recipe metrics: averaged over every rank's micro-batches (a collective: all ranks log at the same steps).
    const auto recipe_metrics = dp_ ? dp_->sum_metrics(window_.metrics) : window_.metrics;
    for (const auto& [k, v] : recipe_metrics) metrics::put(line, metric_key("train/", k), v.first / static_cast<double>(v.second));
    metrics::put(line, "sys/tokens_per_s", tps);
    metrics::put(line, "train/tokens_per_sec", tps);
    metrics::put(line, "sys/step_time_s", window_.steps > 0 ? window_.seconds / static_cast<double>(window_.steps) : 0.0);
    metrics::put(line, "sys/mem_peak_gib", peak_memory_gib(device_));
    if (double m = mfu(tps); m >= 0) metrics::put(line, "sys/mfu", m);
    if (dp_ && window_.steps > 0) {
      // Per step: the gradient all-reduce's span (first bucket sent → last
      // done) and the part of it left after backward returned (not hidden).
      metrics::put(line, "sys/allreduce_s", window_.reduce_span_s / static_cast<double>(window_.steps));
      metrics::put(line, "sys/allreduce_exposed_s", window_.reduce_exposed_s / static_cast<double>(window_.steps));
    }
    sinks_.log(line);
    window_ = Window();
  }

  void evaluate() {
    std::map<std::string, double> values;
    recipe_.module().eval();
    {
      torch::NoGradGuard no_grad;
      values = recipe_.evaluate();
    }
    recipe_.module().train();
    if (values.empty()) return;
    metrics::Line line = metrics::make_line(state_.global_step);
    std::map<std::string, double> named;
    for (const auto& [k, v] : values) named[metric_key("val/", k)] = v;
    for (const auto& [k, v] : named) metrics::put(line, k, v);
    sinks_.log(line);
    if (main_) progress_->on_eval(state_.global_step, named);
    last_val_ = named;
    // The best checkpoint is chosen by val/loss, or by eval/loss where a
    // recipe names its evaluation keys itself (CLaRa, recipes.md §2.7).
    auto it = named.find("val/loss");
    if (it == named.end()) it = named.find("eval/loss");
    if (it != named.end() && std::isfinite(it->second) && (!state_.best_metric || it->second < *state_.best_metric)) {
      state_.best_metric = it->second;
      state_.best_step = state_.global_step;
      best_key_ = it->first;
    }
  }

  // Multi-process: every rank calls this at the same step. The weights are
  // the same everywhere; the optimizer shards (ZeRO) and every rank's random
  // state are gathered to rank 0, which alone writes and publishes; a barrier
  // then holds the others until the checkpoint is complete.
  void save_checkpoint() {
    const std::string name = args_.checkpoint_prefix + std::to_string(state_.global_step);
    state_.loss_scaler = scaler_.state_dict();
    state_.sinks = nlohmann::json::array();
    for (const metrics::Sink* s : extra_sinks_) state_.sinks.push_back(s->checkpoint_state());
    if (!dp_) {
      const std::string tmp = store_.begin(name);
      recipe_.save_weights(tmp);
      save_trainer_state(tmp, state_, *optimizer_);
    } else {
      auto optimizer_state = optimizer_->state_dict();  // a collective from ZeRO-1 on
      auto rng_state = dp_->gather_rng_states(capture_rng_state());
      if (main_) {
        const std::string tmp = store_.begin(name);
        recipe_.save_weights(tmp);
        save_trainer_state(tmp, state_, optimizer_state, rng_state);
      }
    }
    if (main_) {
      store_.publish(name);
      if (state_.best_step == state_.global_step && state_.best_metric)
        store_.write_best(name, state_.global_step, best_key_, *state_.best_metric);
      store_.prune(args_.save_total_limit);
    }
    if (dp_) dp_->barrier();
    last_saved_step_ = state_.global_step;
  }

  // ---- the ways a run ends

  double session_train_loss() const {
    return session_loss_steps_ > 0 ? session_loss_sum_ / static_cast<double>(session_loss_steps_) : 0.0;
  }

  TrainResult finish() {
    if (args_.save_strategy != "no" && last_saved_step_ != state_.global_step) save_checkpoint();
    if (main_) recipe_.save_final(args_.output_dir);
    const double runtime = std::chrono::duration<double>(Clock::now() - start_time_).count();
    nlohmann::ordered_json results;
    results["epoch"] = epoch_progress();
    results["global_step"] = state_.global_step;
    results["train_loss"] = session_train_loss();
    results["train_runtime"] = runtime;
    results["train_samples_per_second"] = runtime > 0 ? static_cast<double>(session_samples_) / runtime : 0.0;
    results["train_steps_per_second"] = runtime > 0 ? static_cast<double>(session_steps_) / runtime : 0.0;
    results["train_tokens"] = state_.tokens_seen;
    results["train/skipped_empty"] = state_.skipped_empty;
    results["train/nonfinite_skipped"] = state_.nonfinite_skipped;
    if (scaler_.enabled()) {
      results["train/overflow_skipped"] = state_.overflow_skipped;
      results["train/loss_scale"] = scaler_.scale();
    }
    for (const auto& [k, v] : last_val_) results[k] = std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
    for (const auto& [k, v] : recipe_.data_counters()) results[metric_key("data/", k)] = v;
    if (main_) write_file_atomic((fs::path(args_.output_dir) / "final_results.json").string(), results.dump(2) + "\n");

    metrics::Line line = metrics::make_line(state_.global_step);
    for (const auto& [k, v] : results.items()) {
      if (!v.is_number() || k.rfind("val/", 0) == 0) continue;  // val/* lines were logged at their step
      std::string key = k.find('/') == std::string::npos ? "final/" + k : k;
      metrics::put(line, key, v.get<double>());
    }
    sinks_.log(line);
    progress_->close();
    message("train: done at step " + std::to_string(state_.global_step) + ", train_loss " +
            format_number(session_train_loss()) + ", " + format_number(runtime) + " s");
    sinks_.finish(0, false);
    if (dp_) dp_->barrier();  // the others exit once rank 0's final files are written
    return TrainResult{0, state_.global_step, session_train_loss(), results};
  }

  TrainResult stop_early(int exit_code, const std::string& why) {
    const double wait = args_.signal_grace_s - signals_.seconds_since_signal();
    if (signals_.received() && wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    std::string what = "nothing new to save";
    if (state_.global_step > start_step_ && last_saved_step_ != state_.global_step) save_checkpoint();
    if (last_saved_step_ == state_.global_step)
      what = args_.checkpoint_prefix + std::to_string(state_.global_step) + " is saved; resume with train.resume_from_checkpoint=latest";
    progress_->close();
    message("train: " + why + " at step " + std::to_string(state_.global_step) + "; " + what, true);
    sinks_.finish(exit_code, true);
    return TrainResult{exit_code, state_.global_step, session_train_loss(), {}};
  }

  TrainResult stop_for_nonfinite() {
    progress_->close();
    const int64_t attempted = state_.global_step + 1;
    std::string why = args_.nan_policy == "stop"
                          ? "non-finite loss or gradient norm and train.nan_policy=stop"
                          : std::to_string(state_.consecutive_nonfinite) + " non-finite updates in a row (train.nan_max_consecutive=" +
                                std::to_string(args_.nan_max_consecutive) + ")";
    message("train: stopped at step " + std::to_string(attempted) + ": " + why + "; the batch's sample ids and " +
                           "per-parameter gradient norms are in " + nonfinite_dir_ +
                           "/report.json. Lower the learning rate or check those samples.",
                       true);
    sinks_.finish(1, false);
    return TrainResult{1, state_.global_step, session_train_loss(), {}};
  }

  int world_size() const { return dp_ ? dp_->size() : 1; }

  // Console lines: rank 0's; the other ranks print errors only.
  void message(const std::string& text, bool is_error = false) {
    if (main_ || is_error) progress_->message(text, is_error);
  }

  static std::string format_number(double v, int digits = 4) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
  }

  Recipe& recipe_;
  const settings::TrainingArguments& args_;
  TrainerContext& ctx_;
  const SignalGuard& signals_;
  CheckpointStore store_;
  metrics::MultiSink sinks_;
  std::vector<metrics::Sink*> extra_sinks_;  // owned by sinks_; their state goes into checkpoints
  std::unique_ptr<Progress> progress_;
  std::vector<std::string> notes_;  // warnings from setup, shown once the console exists

  NamedParameters params_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<distributed::DataParallel> dp_;  // null at world size 1
  bool main_ = true;                               // rank 0 (or the only process): writes files and logs
  int pending_signal_ = 0;                         // multi-process stop flags, all-reduced each step
  bool pending_sink_stop_ = false;
  std::unique_ptr<Optimizer> optimizer_;
  LossScaler scaler_;  // disabled unless train.fp16
  ScheduleConfig schedule_;
  TrainerState state_;
  int64_t micro_batches_ = 0, total_steps_ = 0, start_step_ = 0, last_saved_step_ = -1;

  Window window_;
  std::map<std::string, double> last_val_;
  std::string best_key_ = "val/loss";  // the key best_metric holds
  Clock::time_point start_time_;
  double session_loss_sum_ = 0;
  int64_t session_loss_steps_ = 0, session_steps_ = 0, session_samples_ = 0;
  double peak_flops_ = -1;
  std::string nonfinite_dir_;
};

}  // namespace

TrainResult train(Recipe& recipe, const settings::TrainingArguments& args, TrainerContext context) {
  SignalGuard signals;  // restores the previous handlers on every way out
  Loop loop(recipe, args, context, signals);
  try {
    return loop.run();
  } catch (...) {
    loop.abort();
    throw;
  }
}

}  // namespace ragforge::train
