#include "engine/llm_proposer.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/files.h"
#include "core/random.h"
#include "core/text.h"
#include "edit/edit.h"
#include "llm/ensemble.h"
#include "llm/replay.h"

namespace kevolve::engine {
namespace {

// Appended to the prompt after a reply was cut at the output token limit.
constexpr const char* kShorterNote =
    "Your previous answer was cut off at the output token limit. Answer again, much shorter: "
    "a reasoning of a few sentences and one small edit.";

struct Job {
  int64_t ticket = 0;
  std::string kind;
  std::vector<size_t> plan;
  prompt::PromptInput input;  // kept to build a smaller prompt when one does not fit a context
  std::vector<llm::ChatMessage> messages;
  std::string parent_code;  // for the feedback council
};

struct Spent {
  size_t model = 0;
  double cost = 0;
  int64_t tokens = 0;
};

std::string FirstLine(const std::string& text, size_t max_chars) {
  std::string line(Trim(text.substr(0, text.find('\n'))));
  return line.size() > max_chars ? line.substr(0, max_chars) + "..." : line;
}

class LlmProposer final : public Proposer {
 public:
  LlmProposer(const Config& config, prompt::Templates templates, ClientFactory make_client,
              Clock& clock)
      : config_(config),
        templates_(std::move(templates)),
        clock_(clock),
        ensemble_(llm::ResolveModels(config.llm), config.llm.selection, config.llm.strong_ratio),
        language_(prompt::LanguageFor(config.task.initial_program)) {
    auto sleep = [this](int64_t ms) { return Sleep(ms); };
    for (const llm::ModelSpec& spec : ensemble_.models())
      clients_.push_back(make_client(spec, sleep));
    BuildCouncil();
    const int threads = std::max(1, config.llm.max_in_flight);
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }

  ~LlmProposer() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancel_.store(true);
    }
    work_cv_.notify_all();
    sleep_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void Submit(int64_t ticket, ProposalRequest request) override {
    Job job;
    job.ticket = ticket;
    job.kind = request.kind.empty() ? "explore" : request.kind;
    Rng rng(request.seed);
    job.plan = ensemble_.Plan(rng);
    job.parent_code = request.parent.code;
    job.input = Input(std::move(request));
    Result<prompt::Messages> messages = prompt::BuildPrompt(job.input, templates_);
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    if (!messages.ok()) {
      ProposalDone done;
      done.ticket = ticket;
      done.status = messages.status().WithContext("cannot build the prompt");
      done_.push_back(std::move(done));
      done_cv_.notify_all();
      return;
    }
    job.messages = {{"system", messages->system}, {"user", messages->user}};
    jobs_.push_back(std::move(job));
    work_cv_.notify_one();
  }

  std::optional<ProposalDone> Poll(int64_t timeout_ms) override {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)),
                      [this] { return !done_.empty(); });
    if (done_.empty()) return std::nullopt;
    ProposalDone done = std::move(done_.front());
    done_.pop_front();
    --in_flight_;
    return done;
  }

  size_t InFlight() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_flight_;
  }
  int Concurrency() const override { return std::max(1, config_.llm.max_in_flight); }
  bool WantsPrompts() const override { return true; }

  void Outcome(int64_t ticket, double improvement) override {
    Spent spent;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = spent_.find(ticket);
      if (it == spent_.end()) return;
      spent = it->second;
      spent_.erase(it);
    }
    ensemble_.Reward(spent.model, improvement, spent.cost, spent.tokens);
  }
  std::string SaveState() const override { return ensemble_.SaveState(); }
  Status RestoreState(const std::string& state) override {
    return ensemble_.RestoreState(state);
  }

 private:
  prompt::PromptInput Input(ProposalRequest request) const {
    prompt::PromptInput in;
    in.kind = prompt::KindFromName(request.kind).value_or(prompt::Kind::kExplore);
    in.task_name = config_.task.name;
    in.description = config_.task.description;
    in.hardware = config_.prompt.hardware;
    in.inputs = config_.prompt.inputs;
    in.language = language_;
    in.parent = std::move(request.parent);
    in.lineage = std::move(request.lineage);
    in.inspirations = std::move(request.inspirations);
    in.partner = std::move(request.partner);
    in.notes = std::move(request.notes);
    in.best_score = request.best_score;
    in.failed_edit = std::move(request.failed_edit);
    in.failure = std::move(request.failure);
    in.edit_format = config_.prompt.edit_format;
    in.max_artifact_chars =
        static_cast<size_t>(std::max<int64_t>(0, config_.prompt.max_artifact_chars));
    return in;
  }

  void BuildCouncil() {
    for (const CouncilMemberConfig& member : config_.llm.feedback.council) {
      if (auto index = ensemble_.Find(member.model)) council_.emplace_back(*index, member.weight);
    }
    if (config_.llm.feedback.council.empty()) {
      for (size_t i = 0; i < ensemble_.models().size(); ++i) council_.emplace_back(i, 1.0);
    }
  }

  bool Sleep(int64_t ms) {
    std::unique_lock<std::mutex> lock(mu_);
    sleep_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, ms)),
                       [this] { return cancel_.load(); });
    return !cancel_.load();
  }

  void Work() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [this] { return cancel_.load() || !jobs_.empty(); });
        if (cancel_.load()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      ProposalDone done = Run(job);
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(std::move(done));
      done_cv_.notify_all();
    }
  }

  // Calls the plan's models in order until one answers.
  ProposalDone Run(const Job& job) {
    ProposalDone done;
    done.ticket = job.ticket;
    std::vector<llm::CallRecord> records;
    int call = 0;
    std::optional<size_t> answered;
    std::string content, last_error = "no model was tried";
    for (size_t m : job.plan) {
      if (cancel_.load()) break;
      llm::CallResult r = Ask(job, m, call, records);
      if (r.ok) {
        answered = m;
        content = std::move(r.content);
        break;
      }
      last_error = ensemble_.models()[m].name + ": " + llm::FailureKindName(r.failure) + " (" +
                   r.error + ")";
    }
    Spent spent{answered.value_or(job.plan.front()), 0, 0};
    const size_t answer_index = records.empty() ? 0 : records.size() - 1;
    if (answered) {
      const prompt::ModelReply reply = prompt::ParseModelReply(content);
      Proposal& p = done.proposal;
      p.edit = reply.edit;
      p.reasoning = reply.reasoning;
      p.expected_impact = reply.expected_impact;
      p.origin = "model:" + ensemble_.models()[*answered].name;
      p.description = FirstLine(reply.reasoning, 160);
      if (config_.llm.feedback.weight > 0) p.feedback = Council(job, reply, call, records);
    } else {
      done.status = cancel_.load() ? Status::Cancelled("the run is stopping")
                                   : Status::Unavailable("no model answered; last: " + last_error);
    }
    for (const llm::CallRecord& r : records) {
      spent.cost += r.cost;
      spent.tokens += r.tokens_in + r.tokens_out;
    }
    for (size_t i = 0; i < records.size(); ++i) {
      LlmCall row = ToStoreCall(records[i]);
      if (answered && i == answer_index) {
        row.reasoning = done.proposal.reasoning;
        row.expected_impact = done.proposal.expected_impact;
      }
      done.calls.push_back(std::move(row));
    }
    std::lock_guard<std::mutex> lock(mu_);
    spent_[job.ticket] = spent;
    return done;
  }

  // One model's answer: asked again once, with a note asking for brevity, when its reply is cut
  // at the output token limit; asked with ever smaller prompts while the server says the prompt
  // does not fit the model's context, until the smallest prompt has failed too.
  llm::CallResult Ask(const Job& job, size_t model, int& call,
                      std::vector<llm::CallRecord>& records) {
    std::vector<llm::ChatMessage> messages = job.messages;
    prompt::PromptInput input = job.input;
    bool noted = false;
    while (true) {
      llm::CallResult r =
          clients_[model]->Complete({job.ticket, call++, job.kind, &cancel_}, messages);
      Keep(r, model, records);
      if (r.ok || cancel_.load()) return r;
      if (r.failure == llm::FailureKind::kLength && !noted) {
        noted = true;
        messages.back().content += std::string("\n\n") + kShorterNote;
        continue;
      }
      if (r.failure != llm::FailureKind::kContextLength) return r;
      const size_t chars = messages.front().content.size() + messages.back().content.size();
      Result<prompt::Messages> smaller = Status::NotFound("nothing left to cut");
      if (prompt::ShrinkPrompt(input)) smaller = prompt::BuildPrompt(input, templates_);
      if (!smaller.ok()) {
        r.error = "even the smallest prompt (" + std::to_string(chars) +
                  " characters: no inspirations, no lineage, no artifacts) does not fit the "
                  "context of model " + ensemble_.models()[model].name +
                  "; give the server a longer context (vLLM --max-model-len, llama-server -c, "
                  "OLLAMA_CONTEXT_LENGTH) or the task a shorter program (" + r.error + ")";
        return r;
      }
      messages = {{"system", smaller->system}, {"user", smaller->user}};
      if (noted) messages.back().content += std::string("\n\n") + kShorterNote;
    }
  }

  void Keep(llm::CallResult& r, size_t model, std::vector<llm::CallRecord>& records) {
    for (llm::CallRecord& a : r.attempts) {
      if (a.model.empty()) a.model = ensemble_.models()[model].name;
      if (a.created_unix_ms == 0) a.created_unix_ms = clock_.UnixMs();
      records.push_back(std::move(a));
    }
  }

  // The council's weighted 0..1 score of the candidate, or nullopt when none could be had.
  std::optional<double> Council(const Job& job, const prompt::ModelReply& reply, int& call,
                                std::vector<llm::CallRecord>& records) {
    edit::EditOutcome applied = edit::ApplyEdit(job.parent_code, reply.edit);
    if (!applied.ok) return std::nullopt;  // rejected before evaluation; nothing to judge
    prompt::FeedbackInput in{config_.task.description, language_,
                             job.parent_code,          applied.code,
                             reply.reasoning,          reply.expected_impact};
    Result<prompt::Messages> m = prompt::BuildFeedbackPrompt(in, templates_);
    if (!m.ok()) return std::nullopt;
    const std::vector<llm::ChatMessage> messages = {{"system", m->system}, {"user", m->user}};
    double sum = 0, weights = 0;
    for (const auto& [model, weight] : council_) {
      if (cancel_.load() || weight <= 0) continue;
      llm::CallResult r =
          clients_[model]->Complete({job.ticket, call++, "feedback", &cancel_}, messages);
      Keep(r, model, records);
      if (!r.ok) continue;
      Result<prompt::FeedbackScores> scores = prompt::ParseFeedbackReply(r.content);
      if (!scores.ok()) {
        records.back().error = scores.status().message();
        continue;
      }
      sum += weight * scores->Score();
      weights += weight;
    }
    if (weights <= 0) return std::nullopt;
    return sum / weights;
  }

  Config config_;
  prompt::Templates templates_;
  Clock& clock_;
  llm::Ensemble ensemble_;
  std::string language_;
  std::vector<std::unique_ptr<llm::ChatClient>> clients_;
  std::vector<std::pair<size_t, double>> council_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_, sleep_cv_;
  std::atomic<bool> cancel_{false};
  std::deque<Job> jobs_;
  std::deque<ProposalDone> done_;
  std::map<int64_t, Spent> spent_;
  size_t in_flight_ = 0;
  std::vector<std::thread> workers_;
};

// A client that keeps what it needs alive.
class OwningClient final : public llm::ChatClient {
 public:
  OwningClient(std::shared_ptr<void> keep, std::shared_ptr<llm::ChatClient> client)
      : keep_(std::move(keep)), client_(std::move(client)) {}
  llm::CallResult Complete(const llm::CallContext& context,
                           const std::vector<llm::ChatMessage>& messages) override {
    return client_->Complete(context, messages);
  }

 private:
  std::shared_ptr<void> keep_;
  std::shared_ptr<llm::ChatClient> client_;
};

}  // namespace

std::unique_ptr<Proposer> MakeLlmProposer(const Config& config, prompt::Templates templates,
                                          ClientFactory make_client, Clock& clock) {
  return std::make_unique<LlmProposer>(config, std::move(templates), std::move(make_client), clock);
}

Result<prompt::Templates> LoadTemplates(const Config& config) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(config.task.dir) / config.prompt.templates_dir;
  std::error_code ec;
  if (config.prompt.templates_dir.empty() || !fs::is_directory(dir, ec)) {
    return prompt::DefaultTemplates();
  }
  std::map<std::string, std::string> overrides;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".txt") continue;
    KEVOLVE_ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path().string()));
    overrides[entry.path().stem().string()] = std::move(text);
  }
  if (ec) return Status::Unavailable("cannot list " + dir.string() + ": " + ec.message());
  Result<prompt::Templates> templates =
      prompt::OverrideTemplates(prompt::DefaultTemplates(), overrides);
  if (!templates.ok()) return templates.status().WithContext(dir.string());
  return templates;
}

Result<std::unique_ptr<Proposer>> MakeOpenAiProposer(const Config& config) {
  std::vector<llm::ModelSpec> models = llm::ResolveModels(config.llm);
  KEVOLVE_RETURN_IF_ERROR(llm::CheckKeys(models));
  KEVOLVE_ASSIGN_OR_RETURN(prompt::Templates templates, LoadTemplates(config));
  std::shared_ptr<llm::HttpTransport> transport = llm::MakeCurlTransport();
  const llm::ClientOptions options = llm::OptionsFrom(config.llm);
  ClientFactory factory = [transport, options](const llm::ModelSpec& spec, llm::SleepFn sleep) {
    auto client = std::make_shared<llm::OpenAiClient>(spec, options, *transport, RealClock(),
                                                      std::move(sleep));
    return std::make_unique<OwningClient>(transport, std::move(client));
  };
  return MakeLlmProposer(config, std::move(templates), std::move(factory), RealClock());
}

Result<std::unique_ptr<Proposer>> MakeReplayProposer(const Config& config,
                                                     const std::vector<LlmCall>& recorded) {
  KEVOLVE_ASSIGN_OR_RETURN(prompt::Templates templates, LoadTemplates(config));
  std::vector<llm::CallRecord> records;
  records.reserve(recorded.size());
  for (const LlmCall& c : recorded) records.push_back(FromStoreCall(c));
  auto replay = std::make_shared<llm::ReplayClient>(records);
  ClientFactory factory = [replay](const llm::ModelSpec&, llm::SleepFn) {
    return std::make_unique<OwningClient>(nullptr, replay);
  };
  return MakeLlmProposer(config, std::move(templates), std::move(factory), RealClock());
}

LlmCall ToStoreCall(const llm::CallRecord& r) {
  LlmCall c;
  c.proposal = r.proposal;
  c.call = r.call;
  c.attempt = r.attempt;
  c.model = r.model;
  c.purpose = r.purpose;
  c.request = r.request;
  c.reply = r.reply;
  c.content = r.content;
  c.thinking = r.thinking;
  c.finish_reason = r.finish_reason;
  c.http_status = r.http_status;
  c.failure = llm::FailureKindName(r.failure);
  c.error = r.error;
  c.tokens_in = r.tokens_in;
  c.tokens_out = r.tokens_out;
  c.cost = r.cost;
  c.latency_ms = r.latency_ms;
  c.created_unix_ms = r.created_unix_ms;
  return c;
}

llm::CallRecord FromStoreCall(const LlmCall& c) {
  llm::CallRecord r;
  r.proposal = c.proposal;
  r.call = c.call;
  r.attempt = c.attempt;
  r.model = c.model;
  r.purpose = c.purpose;
  r.request = c.request;
  r.reply = c.reply;
  r.content = c.content;
  r.thinking = c.thinking;
  r.finish_reason = c.finish_reason;
  r.http_status = c.http_status;
  r.failure = c.failure.empty() ? llm::FailureKind::kNone : llm::FailureKindFromName(c.failure);
  r.error = c.error;
  r.tokens_in = c.tokens_in;
  r.tokens_out = c.tokens_out;
  r.cost = c.cost;
  r.latency_ms = c.latency_ms;
  r.created_unix_ms = c.created_unix_ms;
  return r;
}

}  // namespace kevolve::engine
