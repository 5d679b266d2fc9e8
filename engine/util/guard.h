// Keeps exceptions from crossing the public API: runs `f` and turns anything it
// throws (std::bad_alloc from a container, say) into a Status.
#ifndef LOUPE_UTIL_GUARD_H_
#define LOUPE_UTIL_GUARD_H_

#include <exception>
#include <new>
#include <string>

#include "loupe/status.h"

namespace loupe {

template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::OutOfMemory();  // allocates nothing: memory may still be short
  } catch (const std::exception& e) {
    return Status::Internal(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return Status::Internal("unexpected exception");
  }
}

}  // namespace loupe

#endif  // LOUPE_UTIL_GUARD_H_
