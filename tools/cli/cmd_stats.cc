// loupe stats --db DIR [--format text|json]
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "cli/common.h"
#include "loupe/custom_fields.h"
#include "loupe/query_parser.h"  // ReadIndexAnalysis

namespace loupe::cli {

int RunStats(const StatsArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto st = (*index)->Stats();
  if (!st.ok()) return Fail("cannot read index " + a.db, st.status());
  // What `loupe index` tagged the articles with (indexes tagged before this
  // was recorded, or never tagged, have nothing to say).
  nlohmann::ordered_json tagging = nlohmann::ordered_json::object();
  if (auto stored = (*index)->GetMetadata("tagging"); stored.ok()) {
    auto j = nlohmann::ordered_json::parse(*stored, nullptr, false);
    if (j.is_object()) tagging = std::move(j);
  } else if (!stored.status().IsNotFound()) {
    return Fail("cannot read index " + a.db, stored.status());
  }
  // The fields the corpus declared (headers, JSON fields, the language),
  // searchable as name:value.
  auto custom = ListCustomFields(**index);
  if (!custom.ok()) return Fail("cannot read index " + a.db, custom.status());
  // How the documents were analyzed: the stemmers their titles and bodies
  // were stemmed with, which query words are stemmed with too.
  auto analysis = ReadIndexAnalysis(**index);
  if (!analysis.ok()) return Fail("cannot read index " + a.db, analysis.status());
  if (a.format == "json") {
    nlohmann::ordered_json j = {{"documents", st->documents},   {"terms", st->terms},
                        {"size_bytes", st->size_bytes}, {"format_version", st->format_version},
                        {"generation", st->generation}, {"path", a.db}};
    j["languages"] = analysis->languages;
    j["custom_fields"] = nlohmann::ordered_json::array();
    for (const CustomField& f : *custom) j["custom_fields"].push_back({{"name", f.name}, {"documents", f.documents}});
    if (!tagging.empty()) j["tagging"] = tagging;
    if (st->unlocked) j["unlocked"] = true;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "index:          " << a.db << "\n"
              << "documents:      " << st->documents << "\n"
              << "terms:          " << st->terms << "\n"
              << "size on disk:   " << st->size_bytes << " bytes (" << st->size_bytes / 1024 << " KiB)\n"
              << "format version: " << st->format_version << "\n"
              << "commits:        " << st->generation << "\n";
    if (st->unlocked) std::cout << "lock file:      not writable; opened without it (no writer may run meanwhile)\n";
    // "gazetteer:      built-in (312 actors)"
    const std::tuple<const char*, const char*, const char*> rows[] = {
        {"gazetteer", "actors", "actor"}, {"topics", "topics", "topic"}, {"titles", "titles", "title"}};
    for (const auto& [key, unit, one] : rows) {
      if (!tagging.contains(key) || !tagging[key].is_object()) continue;
      const auto& t = tagging[key];
      std::string label = std::string(key) + ":";
      std::cout << label << std::string(label.size() < 16 ? 16 - label.size() : 1, ' ')
                << TerminalSafe(t.value("from", std::string("?")));
      if (t.value("from", std::string()).rfind("none", 0) != 0)
        std::cout << " (" << t.value(unit, 0) << " " << (t.value(unit, 0) == 1 ? one : unit) << ")";
      std::cout << "\n";
    }
    std::cout << "languages:      "
              << (analysis->languages.empty() ? std::string("none yet") : Join(analysis->languages, ", ")) << "\n";
    // "custom fields:  2", then "  party     3 documents" per field, the counts in one column.
    std::cout << "custom fields:  " << (custom->empty() ? std::string("none") : std::to_string(custom->size())) << "\n";
    size_t width = 0;
    for (const CustomField& f : *custom) width = std::max(width, f.name.size());
    for (const CustomField& f : *custom)
      std::cout << "  " << f.name << std::string(width + 2 - f.name.size(), ' ') << f.documents
                << (f.documents == 1 ? " document\n" : " documents\n");
  }
  return kExitOk;
}

}  // namespace loupe::cli
