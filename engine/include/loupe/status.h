// Status and Result<T>: how every fallible Loupe call reports failure.
//
// No exception leaves a call that returns a Status or Result (memory running
// out included: see OutOfMemory()). It either succeeds (Status::ok()) or returns
// a Status naming what went wrong, where, and what to do about it.
// Not-found is an ordinary status (IsNotFound()), not an error path.
//
// Thread-safety: Status and Result are plain values; distinct objects may be used
// from distinct threads freely.
#ifndef LOUPE_STATUS_H_
#define LOUPE_STATUS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace loupe {

enum class StatusCode {
  kOk = 0,
  kNotFound,          // the named thing does not exist (document id, index dir)
  kInvalidArgument,   // the caller passed something malformed
  kQuerySyntax,       // a query string could not be understood; see offset()
  kCorruption,        // the index files are damaged or not a Loupe index
  kVersionMismatch,   // the index was written by an incompatible format version
  kIOError,           // the operating system or LMDB reported an I/O failure
  kLocked,            // another writer holds the index
  kInternal,          // a bug in Loupe; please report it
  kDeadlineExceeded,  // a search passed SearchOptions::deadline and was stopped
};

// Returns a stable lower-case name for `code`, e.g. "query syntax".
const char* StatusCodeName(StatusCode code);

class Status;

// One finding: what is wrong, where, and how to fix it. A failed Status holds
// one (Status::diagnostic()), and the query compiler reports errors and
// warnings as a list of them (PlanOptions::diagnostics in loupe/query_parser.h).
// Offsets are bytes in the query text.
struct Diagnostic {
  // An error (the query cannot run as written) or a warning (it runs, but
  // probably not as meant). The diagnostic of a Status is an error.
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  size_t offset = 0;  // where the fault is (in a Status: Status::kNoOffset when it has no position)
  size_t length = 0;  // bytes it covers (0: a point, e.g. the end of the query)
  std::string message;
  // The fix-it, when one is known: replace fix_length bytes at fix_offset with
  // fix_text (e.g. 'acter' -> 'actor', or insert a closing quote at the end).
  // An insertion has fix_length 0, a removal an empty fix_text.
  bool has_fix = false;
  size_t fix_offset = 0;
  size_t fix_length = 0;
  std::string fix_text;

  // The diagnostic of `s` (a kQuerySyntax status, say) with the given severity;
  // a status with no position gives offset 0.
  static Diagnostic From(const Status& s, Severity severity = Severity::kError);
  // "error" or "warning".
  const char* severity_name() const { return severity == Severity::kError ? "error" : "warning"; }
};

// An OK status is a null pointer (as cheap to return and test as a bool); a
// failed one owns its code and Diagnostic on the heap. Copying a failed status
// copies them, except OutOfMemory()'s, which is static and shared, so that
// reporting that memory ran out needs none.
class [[nodiscard]] Status {
 public:
  static constexpr size_t kNoOffset = static_cast<size_t>(-1);

  Status() noexcept = default;  // OK
  // A status of code `code` (kOk gives an OK status, whose message is empty).
  Status(StatusCode code, std::string message, size_t offset = kNoOffset, size_t length = 0);
  // A status of code `code` whose message, position and fix-it are `diagnostic`'s.
  Status(StatusCode code, Diagnostic diagnostic);
  Status(const Status& other) : rep_(Copy(other.rep_.get())) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_.reset(Copy(other.rep_.get()));
    return *this;
  }
  // A moved-from status is OK.
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  // A query error at byte `offset` (length `length`) of the query text.
  static Status QuerySyntax(std::string msg, size_t offset, size_t length = 1) {
    return {StatusCode::kQuerySyntax, std::move(msg), offset, length};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status VersionMismatch(std::string msg) { return {StatusCode::kVersionMismatch, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Locked(std::string msg) { return {StatusCode::kLocked, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {StatusCode::kDeadlineExceeded, std::move(msg)}; }
  // kIOError "out of memory", made (and copied) without allocating.
  static Status OutOfMemory() noexcept;

  bool ok() const noexcept { return rep_ == nullptr; }
  bool IsNotFound() const noexcept { return code() == StatusCode::kNotFound; }
  StatusCode code() const noexcept { return rep_ ? rep_->code : StatusCode::kOk; }
  // What went wrong, where and how to fix it; for an OK status an empty
  // message at kNoOffset. Valid while this status is neither changed nor destroyed.
  const Diagnostic& diagnostic() const noexcept { return rep_ ? rep_->diagnostic : OkDiagnostic(); }
  // Human-readable explanation; empty when ok().
  const std::string& message() const noexcept { return diagnostic().message; }
  // For kQuerySyntax: byte offset and length of the fault in the query text.
  // For kInvalidArgument from a search refused at a limit (SearchOptions::
  // max_query_expansions, max_query_memory, max_query_scan): the words of
  // the query text where it was passed, when the query was planned from text.
  // kNoOffset when the status carries no position.
  size_t offset() const noexcept { return diagnostic().offset; }
  size_t length() const noexcept { return diagnostic().length; }

  // For kQuerySyntax: an edit of the query text that fixes the fault, when one is
  // known (a fix-it): replace fix_length() bytes at fix_offset() with fix_text().
  // An insertion has fix_length() 0, a removal an empty fix_text().
  bool has_fix() const noexcept { return diagnostic().has_fix; }
  size_t fix_offset() const noexcept { return diagnostic().fix_offset; }
  size_t fix_length() const noexcept { return diagnostic().fix_length; }
  const std::string& fix_text() const noexcept { return diagnostic().fix_text; }
  // Returns this status with the fix-it set (an OK status stays OK, without one).
  Status WithFix(size_t offset, size_t length, std::string text) &&;
  // "<code name>: <message>", or "ok".
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    Diagnostic diagnostic;
  };
  struct RepDeleter {
    void operator()(Rep* rep) const noexcept;  // leaves OutOfMemory()'s
  };
  static const Diagnostic& OkDiagnostic() noexcept;
  static Rep* Copy(Rep* rep);          // null stays null; OutOfMemory()'s is shared
  static Rep* NoMemoryRep() noexcept;  // OutOfMemory()'s

  std::unique_ptr<Rep, RepDeleter> rep_;  // null when OK
};

// Either a value of type T or a non-OK Status.
// REQUIRES: value() is called only when ok(); status() may always be called.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK status when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace loupe

#endif  // LOUPE_STATUS_H_
