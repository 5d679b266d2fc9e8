#include "loupe/status.h"

namespace loupe {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kQuerySyntax: return "query error";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kVersionMismatch: return "version mismatch";
    case StatusCode::kIOError: return "I/O error";
    case StatusCode::kLocked: return "locked";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace loupe
