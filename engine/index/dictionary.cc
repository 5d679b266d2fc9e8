// The term dictionary read by term (see dictionary.h).
#include "index/dictionary.h"

#include <string>

#include "index/format.h"

namespace loupe {

Result<uint64_t> TermDocFreq(const storage::Txn& txn, Field field, std::string_view term) {
  if (format::IsReservedTerm(term)) return uint64_t{0};
  std::string_view v;
  Status s = txn.Get(storage::Db::kTerms, format::TermKey(field, term), &v);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return s;
  format::TermInfo info;
  if (!format::DecodeTermInfo(v, &info))
    return Status::Corruption("term dictionary entry unreadable; rebuild the index");
  return uint64_t{info.df};
}

Status ScanTermRange(const storage::Txn& txn, Field field, std::string_view prefix,
                     const std::function<bool(std::string_view term, uint64_t docs)>& fn) {
  const std::string start = format::TermKey(field, prefix);
  auto cur = storage::Cursor::Open(txn, storage::Db::kTerms);
  if (!cur.ok()) return cur.status();
  for (bool ok = (*cur)->Seek(start); ok; ok = (*cur)->Next()) {
    std::string_view k = (*cur)->key();
    if (k.substr(0, start.size()) != start) break;
    if (format::IsReservedTerm(k.substr(1))) continue;
    format::TermInfo info;
    if (!format::DecodeTermInfo((*cur)->value(), &info))
      return Status::Corruption("term dictionary entry unreadable; rebuild the index");
    if (info.df == 0) continue;  // every document with it was deleted
    if (!fn(k.substr(1), info.df)) break;
  }
  return (*cur)->status();
}

}  // namespace loupe
