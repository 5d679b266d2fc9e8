// Status and Result<T>: how every fallible Loupe call reports failure.
//
// No exception crosses the library boundary. A call either succeeds (Status::ok())
// or returns a Status naming what went wrong, where, and what to do about it.
// Not-found is an ordinary status (IsNotFound()), not an error path.
//
// Thread-safety: Status and Result are plain values; distinct objects may be used
// from distinct threads freely.
#ifndef LOUPE_STATUS_H_
#define LOUPE_STATUS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace loupe {

enum class StatusCode {
  kOk = 0,
  kNotFound,         // the named thing does not exist (document id, index dir)
  kInvalidArgument,  // the caller passed something malformed
  kQuerySyntax,      // a query string could not be understood; see offset()
  kCorruption,       // the index files are damaged or not a Loupe index
  kVersionMismatch,  // the index was written by an incompatible format version
  kIOError,          // the operating system or LMDB reported an I/O failure
  kLocked,           // another writer holds the index
  kInternal,         // a bug in Loupe; please report it
};

// Returns a stable lower-case name for `code`, e.g. "query syntax".
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  static constexpr size_t kNoOffset = static_cast<size_t>(-1);

  Status() = default;  // OK
  Status(StatusCode code, std::string message, size_t offset = kNoOffset, size_t length = 0)
      : code_(code), message_(std::move(message)), offset_(offset), length_(length) {}

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

  bool ok() const { return code_ == StatusCode::kOk; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  StatusCode code() const { return code_; }
  // Human-readable explanation; empty when ok().
  const std::string& message() const { return message_; }
  // For kQuerySyntax: byte offset and length of the fault in the query text.
  // For kInvalidArgument from a search refused at a limit (SearchOptions::
  // max_query_expansions, max_query_memory, max_query_scan): the words of
  // the query text where it was passed, when the query was planned from text.
  // kNoOffset when the status carries no position.
  size_t offset() const { return offset_; }
  size_t length() const { return length_; }

  // For kQuerySyntax: an edit of the query text that fixes the fault, when one is
  // known (a fix-it): replace fix_length() bytes at fix_offset() with fix_text().
  // An insertion has fix_length() 0, a removal an empty fix_text().
  bool has_fix() const { return has_fix_; }
  size_t fix_offset() const { return fix_offset_; }
  size_t fix_length() const { return fix_length_; }
  const std::string& fix_text() const { return fix_text_; }
  // Returns this status with the fix-it set.
  Status WithFix(size_t offset, size_t length, std::string text) && {
    has_fix_ = true;
    fix_offset_ = offset;
    fix_length_ = length;
    fix_text_ = std::move(text);
    return std::move(*this);
  }
  // "<code name>: <message>", or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  size_t offset_ = kNoOffset;
  size_t length_ = 0;
  bool has_fix_ = false;
  size_t fix_offset_ = 0;
  size_t fix_length_ = 0;
  std::string fix_text_;
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
