// The written forms of the stemmed fields (see forms.h).
#include "index/forms.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_set>

#include "analysis/analyzer_access.h"
#include "index/format.h"
#include "storage/lmdb.h"
#include "util/edits.h"
#include "util/key_order.h"

namespace loupe::forms {

using storage::Db;

namespace {

constexpr char kStemFlag = static_cast<char>(0x80);

Status Unreadable() { return Status::Corruption("written-forms entry unreadable; rebuild the index"); }

// The count stored in a record's value (0 when absent).
Status ReadCount(const storage::Txn& txn, std::string_view key, uint32_t* n) {
  std::string_view v;
  Status s = txn.Get(Db::kForms, key, &v);
  *n = 0;
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  if (!format::GetVarint32(&v, n) || !v.empty()) return Unreadable();
  return Status::OK();
}

Status WriteCount(storage::Txn* txn, const std::string& key, uint32_t n, bool existed, bool append) {
  if (n == 0) {
    if (!existed) return Status::OK();
    return txn->Del(Db::kForms, key);
  }
  std::string v;
  format::PutVarint32(&v, n);
  return txn->Put(Db::kForms, key, v, append);
}

}  // namespace

void AppendFormStem(std::string_view form, std::string_view stem, std::string* out) {
  size_t shared = 0;
  const size_t most = std::min({form.size(), stem.size(), size_t{255}});
  while (shared < most && form[shared] == stem[shared]) ++shared;
  // One resize and two copies: appending piece by piece checked the capacity
  // at each (a call per written word of every document).
  const size_t at = out->size(), rest = stem.size() - shared;
  out->resize(at + form.size() + 2 + rest);
  char* p = out->data() + at;
  std::memcpy(p, form.data(), form.size());
  p += form.size();
  *p++ = '\0';
  *p++ = static_cast<char>(shared);
  if (rest) std::memcpy(p, stem.data() + shared, rest);
}

std::string FormKey(Field f, std::string_view form, std::string_view stem) {
  std::string k;
  k.reserve(3 + form.size() + stem.size());
  k += static_cast<char>(f);
  AppendFormStem(form, stem, &k);
  return k;
}

bool ParseFormKey(std::string_view key, Field* f, std::string_view* form, std::string* stem) {
  if (key.size() < 4 || static_cast<unsigned char>(key[0]) >= kNumFields) return false;
  size_t zero = key.find('\0', 1);
  if (zero == std::string_view::npos || zero == 1 || zero + 1 >= key.size()) return false;
  *f = static_cast<Field>(key[0]);
  *form = key.substr(1, zero - 1);
  const size_t shared = static_cast<unsigned char>(key[zero + 1]);
  if (shared > form->size()) return false;
  stem->assign(form->substr(0, shared));
  stem->append(key.substr(zero + 2));
  return !stem->empty();
}

std::string StemKey(Field f, std::string_view stem) {
  std::string k(1, static_cast<char>(kStemFlag | static_cast<char>(f)));
  k.append(stem);
  return k;
}

uint32_t AnalyzeField(Analyzer& analyzer, Field f, std::string_view text, uint32_t position, std::vector<Token>* out,
                      std::vector<std::string>* written) {
  if (!Analyzer::IsStemmed(f)) return AnalyzerAccess::AnalyzeField(analyzer, f, text, position, out);
  return AnalyzerAccess::AnalyzeWithForms(analyzer, text, position, out, written);
}

void DocForms::AddField(Field f, const std::vector<Token>& tokens, const std::vector<std::string>& written) {
  const size_t n = std::min(tokens.size(), written.size());
  size_t slots = 16;
  while (slots < 2 * n) slots *= 2;
  seen_.assign(slots, 0);
  const size_t mask = slots - 1;
  for (size_t i = 0; i < n; ++i) {
    const std::string& w = written[i];
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char c : w) h = (h ^ c) * 0x100000001b3ull;
    size_t at = (h ^ (h >> 29)) & mask;
    bool dup = false;
    for (; seen_[at] != 0; at = (at + 1) & mask)
      if (written[seen_[at] - 1] == w) {
        dup = true;  // one stem per form in a document
        break;
      }
    if (dup) continue;
    seen_[at] = static_cast<uint32_t>(i + 1);
    const size_t begin = arena_.size();
    AppendFormStem(w, tokens[i].term, &arena_);
    ends_.push_back(static_cast<uint32_t>(arena_.size()));
    hashes_.push_back(TermTable::Hash(f, std::string_view(arena_).substr(begin)));
    fields_.push_back(f);
  }
}

void CountDocForms(Field f, const std::vector<Token>& tokens, const std::vector<std::string>& written,
                   FormCounts* out) {
  const size_t n = std::min(tokens.size(), written.size());
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < n; ++i)
    if (seen.insert(written[i]).second) (*out)[FormKey(f, written[i], tokens[i].term)] += 1;
}

void FormsBatch::Add(const DocForms& doc) {
  for (size_t i = 0; i < doc.size(); ++i) {
    std::string_view key = doc.key(i);
    uint32_t id = ids_.Intern(doc.fields_[i], key, doc.hashes_[i]);
    if (id == docs_.size()) {
      docs_.push_back(0);
      bytes_ += key.size() + 32;
    }
    docs_[id] += 1;
  }
}

Status FormsBatch::Write(storage::Txn* txn, const FormCounts& retired) const {
  if (ids_.size() == 0 && retired.empty()) return Status::OK();
  auto count = txn->Count(Db::kForms);
  if (!count.ok()) return count.status();
  const bool append = *count == 0;  // nothing to read back; keys go in order
  struct Change {
    std::string_view key;
    uint32_t add = 0, sub = 0;
  };
  std::vector<Change> changes;
  changes.reserve(ids_.size() + retired.size());
  std::unordered_map<std::string_view, size_t> at;
  for (uint32_t id = 0; id < ids_.size(); ++id) changes.push_back({ids_.key(id), docs_[id], 0});
  if (!retired.empty()) {
    at.reserve(changes.size());
    for (size_t i = 0; i < changes.size(); ++i) at[changes[i].key] = i;
    for (const auto& [k, n] : retired) {
      auto it = at.find(k);
      if (it != at.end())
        changes[it->second].sub += n;
      else
        changes.push_back({k, 0, n});
    }
  }
  {
    std::vector<std::pair<KeyPrefix, size_t>> order;
    order.reserve(changes.size());
    for (size_t i = 0; i < changes.size(); ++i) order.emplace_back(KeyPrefix(changes[i].key), i);
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return KeyLess(a.first, changes[a.second].key, b.first, changes[b.second].key);
    });
    std::vector<Change> sorted;
    sorted.reserve(changes.size());
    for (const auto& [p, i] : order) sorted.push_back(changes[i]);
    changes.swap(sorted);
  }
  // Forms that gain their first document or lose their last, per stem.
  std::map<std::string, int64_t> stems;
  std::string key, stem;
  for (const Change& c : changes) {
    Field f;
    std::string_view form;
    if (!ParseFormKey(c.key, &f, &form, &stem)) return Status::Internal("malformed written-form key");
    key.assign(c.key);
    uint32_t old = 0;
    if (!append) {
      Status s = ReadCount(*txn, key, &old);
      if (!s.ok()) return s;
    }
    uint64_t sum = uint64_t{old} + c.add;
    uint32_t now = static_cast<uint32_t>(sum - std::min<uint64_t>(sum, c.sub));
    if (now == old && old != 0) continue;
    Status s = WriteCount(txn, key, now, old != 0, append);
    if (!s.ok()) return s;
    if ((old == 0) != (now == 0)) stems[StemKey(f, stem)] += now == 0 ? -1 : 1;
  }
  // A stem record is kept only for a stem of two forms or more: without one,
  // a stem has one form if the term has live documents (read before this
  // batch's terms are written), else none.
  for (const auto& [k, delta] : stems) {
    uint32_t old = 0;
    bool existed = false;
    if (!append) {
      Status s = ReadCount(*txn, k, &old);
      if (!s.ok()) return s;
      existed = old != 0;
      if (!existed) {
        std::string_view v;
        std::string term_key = format::TermKey(static_cast<Field>(k[0] & 0x7f), std::string_view(k).substr(1));
        s = txn->Get(Db::kTerms, term_key, &v);
        format::TermInfo info;
        if (s.ok() && !format::DecodeTermInfo(v, &info))
          return Status::Corruption("term dictionary entry unreadable; rebuild the index");
        if (!s.ok() && !s.IsNotFound()) return s;
        old = s.ok() && info.df > 0 ? 1 : 0;
      }
    }
    int64_t now = std::max<int64_t>(0, int64_t{old} + delta);
    Status s = WriteCount(txn, k, now >= 2 ? static_cast<uint32_t>(now) : 0, existed, append);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status ScanPrefix(const storage::Txn& txn, Field f, std::string_view prefix, uint64_t* scanned, uint64_t max_scanned,
                  bool* stopped, PrefixForms* out) {
  *stopped = false;
  out->forms.clear();
  out->stems.clear();
  std::string start(1, static_cast<char>(f));
  start.append(prefix);
  auto cur = storage::Cursor::Open(txn, Db::kForms);
  if (!cur.ok()) return cur.status();
  std::map<std::string_view, uint32_t> matching;  // stem -> its forms starting with the prefix
  std::string stem;
  for (bool ok = (*cur)->Seek(start); ok; ok = (*cur)->Next()) {
    std::string_view k = (*cur)->key();
    if (k.compare(0, start.size(), start) != 0) break;
    if (++*scanned > max_scanned) {
      *stopped = true;
      return Status::OK();
    }
    Field kf;
    WrittenForm w;
    std::string_view form, v = (*cur)->value();
    if (!ParseFormKey(k, &kf, &form, &stem) || !format::GetVarint32(&v, &w.docs)) return Unreadable();
    if (w.docs == 0) continue;
    w.form.assign(form);
    w.stem = stem;
    out->forms.push_back(std::move(w));
  }
  if (!(*cur)->status().ok()) return (*cur)->status();
  for (const WrittenForm& w : out->forms) matching[w.stem] += 1;
  for (const auto& [st, n] : matching) {
    uint32_t all = 0;
    Status s = ReadCount(txn, StemKey(f, st), &all);
    if (!s.ok()) return s;
    out->stems.push_back({std::string(st), n >= std::max<uint32_t>(all, 1)});  // no record: one form
  }
  return Status::OK();
}

Status ScanNear(const storage::Txn& txn, Field f, std::string_view word, uint32_t max_edits, uint64_t* scanned,
                uint64_t max_scanned, bool* stopped, std::vector<WrittenForm>* out) {
  *stopped = false;
  out->clear();
  const std::string start(1, static_cast<char>(f));
  auto cur = storage::Cursor::Open(txn, Db::kForms);
  if (!cur.ok()) return cur.status();
  std::string stem;
  for (bool ok = (*cur)->Seek(start); ok; ok = (*cur)->Next()) {
    std::string_view k = (*cur)->key();
    if (k.empty() || k[0] != start[0]) break;
    if (++*scanned > max_scanned) {
      *stopped = true;
      return Status::OK();
    }
    Field kf;
    std::string_view form, v = (*cur)->value();
    if (!ParseFormKey(k, &kf, &form, &stem)) return Unreadable();
    if (!WithinEdits(form, word, max_edits)) continue;
    WrittenForm w;
    if (!format::GetVarint32(&v, &w.docs)) return Unreadable();
    if (w.docs == 0) continue;
    w.form.assign(form);
    w.stem.assign(stem);
    out->push_back(std::move(w));
  }
  return (*cur)->status();
}

}  // namespace loupe::forms
