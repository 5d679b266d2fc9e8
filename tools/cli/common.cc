#include "cli/common.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "loupe/custom_fields.h"
#include "util/utf8.h"

namespace loupe::cli {

std::string DefaultDb() {
  const char* env = std::getenv("LOUPE_DB");
  return env && *env ? env : "./.loupe";
}

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kQuerySyntax:
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitIndex;
  }
}

namespace {
thread_local Status last_failure;
}  // namespace

int Fail(const std::string& what, const Status& s) {
  std::cerr << "loupe: " << what << ": " << s.message() << "\n";
  last_failure = s;
  return ExitCodeFor(s);
}

const Status& LastFailure() { return last_failure; }

void ClearLastFailure() { last_failure = Status::OK(); }

namespace {

// Display width of the UTF-8 character starting at s[i], its length in *len
// (a malformed byte: one byte, one column).
int Width(std::string_view s, size_t i, size_t* len) {
  const int32_t cp = Utf8At(s, i, len);
  if (*len == 0) *len = 1;
  return CodePointColumns(cp);
}

// The query with a caret line under [offset, offset + length), each line indented.
void PrintCaret(std::string_view query, size_t offset, size_t length) {
  if (query.size() > 400) return;
  std::string shown(query);
  for (char& c : shown)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  std::string caret;
  size_t off = std::min(offset, query.size());
  size_t end = std::min(off + std::max<size_t>(length, 1), query.size());
  for (size_t i = 0; i < off;) {
    size_t len;
    caret.append(static_cast<size_t>(Width(query, i, &len)), ' ');
    i += len;
  }
  caret += '^';
  int extra = 0;
  for (size_t i = off; i < end;) {
    size_t len;
    extra += Width(query, i, &len);
    i += len;
  }
  if (extra > 1) caret.append(static_cast<size_t>(extra - 1), '~');
  std::cerr << "  " << shown << "\n  " << caret << "\n";
}

// The query with the diagnostic's fix-it applied.
std::string Fixed(std::string_view query, const Diagnostic& d) {
  std::string q(query);
  size_t at = std::min(d.fix_offset, q.size());
  return q.replace(at, std::min(d.fix_length, q.size() - at), d.fix_text);
}

void AppendHex(std::string* out, unsigned char b) {
  static const char kHex[] = "0123456789abcdef";
  *out += "\\x";
  *out += kHex[b >> 4];
  *out += kHex[b & 15];
}

// s with the bytes `escape` picks (given a valid sequence's start and length,
// or 0 for an invalid byte) written \xNN; with `backslash`, \ as \\.
template <typename Pick>
std::string Escape(std::string_view s, bool backslash, Pick escape) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8Length(s, i);
    if (len == 0 || escape(i, len)) {
      for (size_t k = 0; k < std::max<size_t>(len, 1); ++k) AppendHex(&out, static_cast<unsigned char>(s[i + k]));
      i += std::max<size_t>(len, 1);
      continue;
    }
    if (backslash && s[i] == '\\') out += '\\';
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

// A control character: C0, DEL, or a C1 (U+0080 to U+009F, bytes C2 80 to C2 9F).
bool IsControl(std::string_view s, size_t i, size_t len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (len == 1) return c < 0x20 || c == 0x7F;
  return len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
}

}  // namespace

std::string ShownId(std::string_view id, bool terminal) {
  return Escape(id, true, [&](size_t i, size_t len) { return terminal && IsControl(id, i, len); });
}

std::string ParseId(std::string_view arg) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] == '\\' && i + 1 < arg.size() && arg[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (arg[i] == '\\' && i + 3 < arg.size() && arg[i + 1] == 'x' && hex(arg[i + 2]) >= 0 &&
               hex(arg[i + 3]) >= 0) {
      out += static_cast<char>(hex(arg[i + 2]) * 16 + hex(arg[i + 3]));
      i += 3;
    } else {
      out += arg[i];
    }
  }
  return out;
}

std::vector<std::string> IdCandidates(const std::string& arg) {
  std::vector<std::string> ids = {ParseId(arg)};
  if (ids[0] != arg) ids.push_back(arg);
  return ids;
}

std::string TerminalSafe(std::string_view text, bool keep_lines) {
  return Escape(text, false, [&](size_t i, size_t len) {
    return IsControl(text, i, len) && !(keep_lines && (text[i] == '\n' || text[i] == '\t'));
  });
}

std::vector<std::string> CountRepeats(const std::vector<std::string>& warnings) {
  std::vector<std::string> distinct;
  std::vector<size_t> times;
  for (const std::string& w : warnings) {
    auto at = std::find(distinct.begin(), distinct.end(), w);
    if (at == distinct.end()) {
      distinct.push_back(w);
      times.push_back(1);
    } else {
      ++times[static_cast<size_t>(at - distinct.begin())];
    }
  }
  for (size_t k = 0; k < distinct.size(); ++k)
    if (times[k] > 1) distinct[k] += " (" + std::to_string(times[k]) + " times)";
  return distinct;
}

void PrintQueryError(std::string_view query, const Status& s) { PrintDiagnostics(query, {Diagnostic::From(s)}); }

void PrintDiagnostics(std::string_view query, const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    std::cerr << "loupe: query " << d.severity_name() << ": " << d.message << "\n";
    PrintCaret(query, d.offset, d.length);
    if (d.has_fix && query.size() <= 400) std::cerr << "  fix: " << Fixed(query, d) << "\n";
  }
}

std::vector<std::string> CustomFieldNames(const Index& index) {
  std::vector<std::string> names;
  if (auto fields = ListCustomFields(index); fields.ok())
    for (const CustomField& f : *fields) names.push_back(f.name);
  return names;
}

std::shared_ptr<const Gazetteer> LoadGazetteer(const Index& index) {
  // The library's own (Index::GetGazetteer), so that the CLI and a program
  // compiling its queries against the index resolve names alike.
  auto gazetteer = index.GetGazetteer();
  return gazetteer.ok() ? *gazetteer : nullptr;
}

nlohmann::ordered_json DiagnosticsJson(std::string_view query, const std::vector<Diagnostic>& diagnostics) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Diagnostic& d : diagnostics) {
    nlohmann::ordered_json j = {
        {"severity", d.severity_name()}, {"offset", d.offset}, {"length", d.length}, {"message", d.message}};
    if (d.has_fix)
      j["fix"] = {{"offset", d.fix_offset}, {"length", d.fix_length}, {"text", d.fix_text}, {"query", Fixed(query, d)}};
    list.push_back(std::move(j));
  }
  return list;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

bool ParseNow(const std::string& arg, const char* cmd, Days* out) {
  if (arg.empty()) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    *out = static_cast<Days>(secs.count() / 86400);  // today, UTC
    return true;
  }
  if (ParseIsoDate(arg, out)) return true;
  std::cerr << "loupe: " << cmd << ": --now expects a day as YYYY-MM-DD (e.g. --now 2025-09-20), not '" << arg << "'\n";
  return false;
}

void PrintJson(const nlohmann::ordered_json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

void PrintJsonLine(const nlohmann::ordered_json& j) {
  std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
}

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

FacetNameFn ActorNames(const Gazetteer* gazetteer) {
  if (!gazetteer) return nullptr;
  return [gazetteer](FacetField field, const std::string& value) -> std::string {
    if (field != FacetField::kActor) return "";
    std::vector<std::string> names = gazetteer->NamesOf(value);
    return names.empty() ? "" : names[0];
  };
}

const char* SortName(SortOrder s) {
  switch (s) {
    case SortOrder::kDateAscending:
      return "date";
    case SortOrder::kDateDescending:
      return "-date";
    case SortOrder::kRelevance:
      return "relevance";
  }
  return "relevance";
}

bool ParseFacets(const std::vector<std::string>& specs, size_t top, const char* cmd, std::vector<FacetRequest>* out) {
  for (const std::string& spec : specs) {
    size_t start = 0;
    while (start <= spec.size()) {
      size_t comma = spec.find(',', start);
      if (comma == std::string::npos) comma = spec.size();
      std::string name = spec.substr(start, comma - start);
      start = comma + 1;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name.empty()) continue;
      FacetRequest r;
      r.top = top;
      if (name == "actor")
        r.field = FacetField::kActor;
      else if (name == "topic")
        r.field = FacetField::kTopic;
      else if (name == "author")
        r.field = FacetField::kAuthor;
      else if (name == "date" || name.rfind("date:", 0) == 0) {
        r.field = FacetField::kDate;
        std::string unit = name.size() > 4 ? name.substr(5) : "month";
        if (unit == "day")
          r.unit = DateUnit::kDay;
        else if (unit == "week")
          r.unit = DateUnit::kWeek;
        else if (unit == "month")
          r.unit = DateUnit::kMonth;
        else if (unit == "year")
          r.unit = DateUnit::kYear;
        else {
          std::cerr << "loupe: " << cmd << ": --facet date:" << unit
                    << " is not a date unit; use date:day, date:week, date:month or date:year\n";
          return false;
        }
      } else {
        std::cerr
            << "loupe: " << cmd << ": unknown facet '" << name
            << "'; facets are actor, topic, author and date:day|week|month|year (e.g. --facet actor,date:month)\n";
        return false;
      }
      out->push_back(r);
    }
  }
  return true;
}

DateListing ListDates(const FacetResult& f) {
  DateListing d;
  d.hi = f.counts.size();
  const std::string unit = f.name.substr(f.name.find(':') + 1);
  const int64_t unit_days = unit == "day" ? 1 : unit == "week" ? 7 : unit == "month" ? 31 : 366;
  std::vector<size_t> full;
  uint64_t dated = 0;
  for (size_t i = 0; i < f.counts.size(); ++i)
    if (f.counts[i].count) {
      full.push_back(i);
      dated += f.counts[i].count;
    }
  if (full.size() < 2) return d;
  const uint64_t budget = std::max<uint64_t>(1, dated / 100);
  auto day = [&](size_t k) { return static_cast<int64_t>(f.counts[full[k]].first_day); };
  uint64_t peeled = 0;
  size_t l = 0, r = full.size() - 1;
  std::vector<size_t> left, right;
  for (bool changed = true; changed && r > l;) {
    changed = false;
    if (day(l + 1) - day(l) > day(r) - day(l + 1) + unit_days && peeled + f.counts[full[l]].count <= budget) {
      peeled += f.counts[full[l]].count;
      left.push_back(full[l++]);
      changed = true;
    }
    if (r > l && day(r) - day(r - 1) > day(r - 1) - day(l) + unit_days && peeled + f.counts[full[r]].count <= budget) {
      peeled += f.counts[full[r]].count;
      right.push_back(full[r--]);
      changed = true;
    }
  }
  d.outliers = left;
  d.outliers.insert(d.outliers.end(), right.rbegin(), right.rend());
  d.lo = full[l];
  d.hi = full[r] + 1;
  return d;
}

}  // namespace loupe::cli
