// libFuzzer target for the query front end: lexer, Lemon parser, planner and the
// lenient repair loop, on arbitrary bytes. Built by tools/fuzz.sh with clang,
// AddressSanitizer and UndefinedBehaviorSanitizer. Besides crashes, leaks and
// undefined behaviour, it checks what the API promises:
//  - every diagnostic's span and fix-it lie inside the query;
//  - a rejected query has a kQuerySyntax status with an offset inside it;
//  - lenient mode's reading compiles in strict mode to the same plan.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/query_parser.h"
#include "util/calendar.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();  // reported by libFuzzer as a crash, with the input
}

void CheckDiagnostics(const std::vector<loupe::Diagnostic>& diags, size_t size) {
  for (const loupe::Diagnostic& d : diags) {
    Check(d.offset <= size && d.length <= size - d.offset);
    Check(!d.message.empty());
    if (d.has_fix) Check(d.fix_offset <= size && d.fix_length <= size - d.fix_offset);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static loupe::Analyzer* analyzer = loupe::Analyzer::Create()->release();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const loupe::Days now = loupe::DaysFromCivil(2025, 9, 20);

  std::vector<loupe::Diagnostic> warnings;
  auto tree = loupe::ParseQuery(text, &warnings);
  CheckDiagnostics(warnings, size);
  if (tree.ok()) Check(!tree->ToString().empty());

  std::vector<loupe::Diagnostic> strict_diags;
  auto strict = loupe::CompileQuery(text, *analyzer, {.now = now, .diagnostics = &strict_diags});
  CheckDiagnostics(strict_diags, size);
  if (!strict.ok()) {
    Check(strict.status().code() == loupe::StatusCode::kQuerySyntax);
    Check(strict.status().offset() <= std::max<size_t>(size, loupe::kMaxQueryBytes));
    Check(!strict_diags.empty());
  }

  std::vector<loupe::Diagnostic> lenient_diags;
  std::string reading;
  auto lenient = loupe::CompileQuery(text, *analyzer,
                                     {.now = now, .lenient = true, .diagnostics = &lenient_diags, .reading = &reading});
  CheckDiagnostics(lenient_diags, size);
  if (strict.ok()) Check(lenient.ok() && lenient->ToString() == strict->ToString());
  if (lenient.ok()) {
    auto again = loupe::CompileQuery(reading, *analyzer, {.now = now});
    Check(again.ok() && again->ToString() == lenient->ToString());
  }
  return 0;
}
