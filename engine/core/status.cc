#include "loupe/status.h"

namespace loupe {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kQuerySyntax:
      return "query error";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kVersionMismatch:
      return "version mismatch";
    case StatusCode::kIOError:
      return "I/O error";
    case StatusCode::kLocked:
      return "locked";
    case StatusCode::kInternal:
      return "internal error";
    case StatusCode::kDeadlineExceeded:
      return "deadline exceeded";
  }
  return "unknown";
}

namespace {

// "out of memory" fits std::string's inline buffer: this allocates nothing.
Diagnostic OutOfMemoryDiagnostic() {
  Diagnostic d;
  d.offset = Status::kNoOffset;
  d.message = "out of memory";
  return d;
}

}  // namespace

Status::Rep* Status::NoMemoryRep() noexcept {
  static Rep rep{StatusCode::kIOError, OutOfMemoryDiagnostic()};
  return &rep;
}

void Status::RepDeleter::operator()(Rep* rep) const noexcept {
  if (rep != NoMemoryRep()) delete rep;
}

Status::Rep* Status::Copy(Rep* rep) {
  if (!rep || rep == NoMemoryRep()) return rep;
  return new Rep(*rep);
}

Status Status::OutOfMemory() noexcept {
  Status s;
  s.rep_.reset(NoMemoryRep());
  return s;
}

Status::Status(StatusCode code, std::string message, size_t offset, size_t length) {
  if (code == StatusCode::kOk) return;
  rep_.reset(new Rep());
  rep_->code = code;
  rep_->diagnostic.offset = offset;
  rep_->diagnostic.length = length;
  rep_->diagnostic.message = std::move(message);
}

Status::Status(StatusCode code, Diagnostic diagnostic) {
  if (code == StatusCode::kOk) return;
  diagnostic.severity = Diagnostic::Severity::kError;
  rep_.reset(new Rep{code, std::move(diagnostic)});
}

const Diagnostic& Status::OkDiagnostic() noexcept {
  static const Diagnostic ok{Diagnostic::Severity::kError, kNoOffset, 0, {}, false, 0, 0, {}};
  return ok;
}

Status Status::WithFix(size_t offset, size_t length, std::string text) && {
  if (rep_ && rep_.get() == NoMemoryRep()) rep_.reset(new Rep(*rep_));  // the shared one stays as it is
  if (rep_) {
    rep_->diagnostic.has_fix = true;
    rep_->diagnostic.fix_offset = offset;
    rep_->diagnostic.fix_length = length;
    rep_->diagnostic.fix_text = std::move(text);
  }
  return std::move(*this);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code())) + ": " + message();
}

Diagnostic Diagnostic::From(const Status& s, Severity severity) {
  Diagnostic d = s.diagnostic();
  d.severity = severity;
  if (d.offset == Status::kNoOffset) d.offset = 0;
  return d;
}

}  // namespace loupe
