// Custom field names and terms (loupe/custom_fields.h).
#include "loupe/custom_fields.h"

#include <algorithm>
#include <limits>

#include "util/guard.h"

namespace loupe {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string CustomFieldName(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != '-') out.push_back('-');
      continue;
    }
    if (!IsAsciiLetter(c) && c != '-' && c != '_') return "";
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (out.empty() || out.size() > kMaxCustomFieldName || !IsAsciiLetter(out.front()) || !IsAsciiLetter(out.back()))
    return "";
  return out;
}

std::string CustomFieldTerm(std::string_view name, std::string_view token) {
  std::string term;
  term.reserve(name.size() + 1 + token.size());
  term.append(name).push_back(':');
  term.append(token);
  return term;
}

std::string CustomFieldMarker(std::string_view name) { return "#" + std::string(name); }

bool IsTaggerField(std::string_view name) {
  for (std::string_view t : kTaggerFields)
    if (name == t) return true;
  return false;
}

std::vector<std::pair<std::string, std::string_view>> CustomFieldValues(const Document& doc) {
  std::vector<std::pair<std::string, std::string_view>> out;
  if (!doc.language.empty()) out.emplace_back("language", doc.language);
  for (const auto& [key, value] : doc.extra) {
    std::string name = CustomFieldName(key);
    if (!name.empty() && !IsTaggerField(name)) out.emplace_back(std::move(name), value);
  }
  return out;
}

Result<std::vector<CustomField>> ListCustomFields(const Index& index) {
  return Guard([&]() -> Result<std::vector<CustomField>> {
    // The markers are the terms of Field::kCustom that start with '#': a prefix
    // expansion lists them with their live document counts.
    auto found = index.Expansions(Query::Prefix(Field::kCustom, "#", std::numeric_limits<uint32_t>::max()));
    if (!found.ok()) return found.status();
    std::vector<CustomField> out;
    for (auto& [term, documents] : *found) out.push_back(CustomField{term.substr(1), documents});
    std::sort(out.begin(), out.end(), [](const CustomField& a, const CustomField& b) { return a.name < b.name; });
    return out;
  });
}

}  // namespace loupe
