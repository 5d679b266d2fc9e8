// ReadIndexAnalysis: the writer's "analysis" record, for query planning.
#include <nlohmann/json.hpp>

#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "util/guard.h"
#include "util/json_dispose.h"

namespace loupe {

Result<IndexAnalysis> ReadIndexAnalysis(const Index& index) {
  return Guard([&]() -> Result<IndexAnalysis> {
    IndexAnalysis out;
    auto value = index.GetMetadata(kAnalysisMetadataKey);
    if (!value.ok()) {
      if (!value.status().IsNotFound()) return value.status();
      out.languages = {std::string(kDefaultStemmer)};  // written before the record existed
      return out;
    }
    nlohmann::json record;
    JsonDisposer dispose_record{record};
    ParseJson(*value, &record);
    const char* bad = "the index's 'analysis' metadata is not a JSON object with a list of languages";
    if (!record.is_object() || !record.contains("languages") || !record["languages"].is_array())
      return Status::Corruption(bad);
    for (const auto& l : record["languages"]) {
      if (!l.is_string()) return Status::Corruption(bad);
      out.languages.push_back(l.get<std::string>());
    }
    if (record.contains("fold_diacritics") && record["fold_diacritics"].is_boolean())
      out.fold_diacritics = record["fold_diacritics"].get<bool>();
    if (out.languages.empty()) out.languages = {std::string(kDefaultStemmer)};
    return out;
  });
}

}  // namespace loupe
