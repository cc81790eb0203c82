#include "cluster/slurm.h"

#include <cstdlib>

#include "cluster/tool.h"
#include "core/text.h"

namespace kevolve::cluster {
namespace {

// A slurm tool answers within MessageTimeout (10 s by default) per try; sbatch retries a few
// times when slurmctld does not answer, so this is long enough for its own verdict.
constexpr int64_t kToolTimeoutMs = 60'000;

// What the tools print when slurmctld is not there or cannot take the request now.
bool SaysUnavailable(const std::string& text) {
  const std::string t = ToLower(text);
  for (const char* word :
       {"unable to contact slurm controller", "socket timed out", "connection refused",
        "zero bytes were transmitted", "temporarily unavailable", "temporarily unable",
        "slurm_persist_conn", "communication connection failure", "connection timed out",
        "submitjob", "qosmaxsubmitjob", "resource temporarily"}) {
    if (t.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string FirstLine(const std::string& text) {
  const std::string_view t = Trim(text);
  const size_t nl = t.find('\n');
  return std::string(nl == std::string_view::npos ? t : t.substr(0, nl));
}

Status ToolFailure(const std::string& tool, const ToolResult& r) {
  if (!r.started) {
    return Status::FailedPrecondition(r.err + "; is Slurm's client installed here (" + tool +
                                      " on PATH)?");
  }
  if (r.timed_out) {
    return Status::Unavailable(tool + " did not answer within " +
                               std::to_string(kToolTimeoutMs / 1000) + " s");
  }
  const std::string said = FirstLine(r.err.empty() ? r.out : r.err);
  const std::string message = tool + " failed (exit " + std::to_string(r.exit_code) + "): " + said;
  if (SaysUnavailable(r.err + r.out)) return Status::Unavailable(message);
  return Status::InvalidArgument(message);
}

}  // namespace

bool IsActiveState(const std::string& state) {
  for (const char* s : {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
                        "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING",
                        "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "PREEMPTED_REQUEUE"}) {
    if (state == s) return true;
  }
  return false;
}

std::string ShellQuote(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += '\'';
    for (char c : w) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::vector<std::string> SbatchArgs(const JobSpec& spec) {
  std::vector<std::string> args = {"sbatch", "--parsable", "--job-name=" + spec.name};
  if (!spec.comment.empty()) args.push_back("--comment=" + spec.comment);
  if (!spec.output.empty()) args.push_back("--output=" + spec.output);
  if (!spec.workdir.empty()) args.push_back("--chdir=" + spec.workdir);
  if (!spec.time.empty()) args.push_back("--time=" + spec.time);
  args.insert(args.end(), spec.options.begin(), spec.options.end());
  args.push_back("--wrap=exec " + ShellQuote(spec.command));
  return args;
}

Result<int64_t> Submit(const JobSpec& spec) {
  const ToolResult r = RunTool(SbatchArgs(spec), kToolTimeoutMs);
  if (!r.started || r.timed_out || r.exit_code != 0) return ToolFailure("sbatch", r);
  // --parsable prints "<id>" or "<id>;<cluster>".
  const std::string line = FirstLine(r.out);
  char* end = nullptr;
  const long long id = std::strtoll(line.c_str(), &end, 10);
  if (end == line.c_str() || id <= 0) {
    return Status::Internal("sbatch printed no job id: '" + line + "'");
  }
  return static_cast<int64_t>(id);
}

Result<std::vector<JobInfo>> ListJobs(const std::string& name) {
  // '\x1f' cannot occur in what squeue prints, so it separates fields safely.
  const ToolResult r = RunTool({"squeue", "--noheader", "--states=all", "--name=" + name,
                                "--format=%i\x1f%T\x1f%r\x1f%N\x1f%k"},
                               kToolTimeoutMs);
  if (!r.started || r.timed_out || r.exit_code != 0) return ToolFailure("squeue", r);
  std::vector<JobInfo> jobs;
  for (const std::string& line : SplitLines(r.out)) {
    if (Trim(line).empty()) continue;
    std::vector<std::string> f;
    size_t start = 0;
    for (;;) {
      const size_t sep = line.find('\x1f', start);
      f.push_back(line.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
      if (sep == std::string::npos) break;
      start = sep + 1;
    }
    if (f.size() != 5) return Status::Internal("squeue printed an unexpected line: '" + line + "'");
    JobInfo j;
    char* end = nullptr;
    j.id = std::strtoll(f[0].c_str(), &end, 10);
    if (end == f[0].c_str()) return Status::Internal("squeue printed no job id: '" + line + "'");
    j.state = f[1];
    j.reason = f[2];
    j.node = f[3];
    j.comment = f[4] == "(null)" ? "" : f[4];
    jobs.push_back(std::move(j));
  }
  return jobs;
}

Status Cancel(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  std::vector<std::string> argv = {"scancel", "--quiet"};
  for (int64_t id : ids) argv.push_back(std::to_string(id));
  const ToolResult r = RunTool(argv, kToolTimeoutMs);
  if (!r.started || r.timed_out || r.exit_code != 0) return ToolFailure("scancel", r);
  return Status::Ok();
}

Status CancelByName(const std::string& name) {
  const ToolResult r = RunTool({"scancel", "--quiet", "--name=" + name}, kToolTimeoutMs);
  if (!r.started || r.timed_out || r.exit_code != 0) return ToolFailure("scancel", r);
  return Status::Ok();
}

}  // namespace kevolve::cluster
