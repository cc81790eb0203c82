// Status and Result<T>: the error currency of every module.
//
// A Status is either OK or a code plus a message that says what is wrong and, where it can, what
// to do about it. Functions that produce a value return Result<T>, which holds either the value
// or a non-OK Status. Both are cheap to move and safe to copy; neither is thread-safe to mutate
// from two threads at once (like any value type).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kevolve {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // bad input from a user, a config, a task or a candidate
  kNotFound,           // a file, run or record that does not exist
  kAlreadyExists,
  kFailedPrecondition, // the system is not in a state where the call makes sense
  kTimeout,            // a deadline passed
  kUnavailable,        // a transient failure: retry may succeed
  kResourceExhausted,  // a budget, quota or limit was reached
  kCancelled,          // stopped on request (signal, budget)
  kInternal,           // a bug or an unexpected system error
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (no-op for OK).
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds a T or a non-OK Status. REQUIRES: constructed from a non-OK Status when no value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result built from an OK status without a value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace kevolve

#define KEVOLVE_CONCAT_INNER_(a, b) a##b
#define KEVOLVE_CONCAT_(a, b) KEVOLVE_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define KEVOLVE_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::kevolve::Status kevolve_status_ = (expr);       \
    if (!kevolve_status_.ok()) return kevolve_status_; \
  } while (false)

// Declares `lhs` from a Result-returning `rexpr`, or returns its Status.
#define KEVOLVE_ASSIGN_OR_RETURN(lhs, rexpr) \
  KEVOLVE_ASSIGN_OR_RETURN_IMPL_(KEVOLVE_CONCAT_(kevolve_result_, __LINE__), lhs, rexpr)
#define KEVOLVE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                   \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
