#include "index/analysis_record.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "loupe/language.h"
#include "util/json_dispose.h"

namespace loupe {

Status MergeAnalysisRecord(storage::Txn* txn, const std::vector<std::string_view>& languages, bool fold_diacritics,
                           bool had_documents) {
  using Json = nlohmann::ordered_json;
  std::string_view old;
  Status s = txn->Get(storage::Db::kUser, kAnalysisMetadataKey, &old);
  if (!s.ok() && !s.IsNotFound()) return s;
  std::string before = s.ok() ? std::string(old) : std::string();
  Json record;
  JsonDisposer dispose_record{record};
  ParseJson(before, &record);
  if (!record.is_object()) {
    DisposeJson(record);  // the value replaced is destroyed
    record = Json::object();
  }
  std::vector<std::string> list;
  if (!s.ok() && had_documents) list.emplace_back(kDefaultStemmer);
  if (record.contains("languages") && record["languages"].is_array())
    for (const Json& l : record["languages"])
      if (l.is_string()) list.push_back(l.get<std::string>());
  for (std::string_view l : languages)
    if (std::find(list.begin(), list.end(), l) == list.end()) list.emplace_back(l);
  std::sort(list.begin(), list.end());
  DisposeJson(record["languages"]);  // the value replaced is destroyed
  record["languages"] = list;
  record["fold_diacritics"] = fold_diacritics;
  std::string after = record.dump();
  if (after == before) return Status::OK();
  return txn->Put(storage::Db::kUser, kAnalysisMetadataKey, after);
}

bool RecordFoldsDiacritics(std::string_view record) {
  nlohmann::json json;
  JsonDisposer dispose_json{json};
  ParseJson(record, &json);
  return json.is_object() && json.contains("fold_diacritics") && json["fold_diacritics"].is_boolean() &&
         json["fold_diacritics"].get<bool>();
}

}  // namespace loupe
