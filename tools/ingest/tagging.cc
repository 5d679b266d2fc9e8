#include "loupe/ingest/tagging.h"

#include <algorithm>

namespace loupe::ingest {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t at = s.find(sep);
    out.push_back(Trim(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "; " : "") + v[i];
  return s;
}

}  // namespace

std::unique_ptr<Tagger> Tagger::Create(std::string_view gazetteer, std::string_view topics,
                                       std::vector<std::string>* errors) {
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) {
    errors->push_back("analyzer: " + analyzer.status().message());
    return nullptr;
  }
  std::unique_ptr<Tagger> t(new Tagger(std::move(*analyzer)));
  size_t n = 0;
  for (std::string_view line : Split(gazetteer, '\n')) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> parts = Split(line, '|');
    if (parts[0].empty()) {
      errors->push_back("gazetteer line " + std::to_string(n) + ": no name before the first '|'; skipped");
      continue;
    }
    Entry e;
    e.name = std::string(parts[0]);
    e.names.push_back(e.name);
    for (size_t i = 2; i < parts.size(); ++i)  // parts[1] is the kind
      if (!parts[i].empty()) e.names.emplace_back(parts[i]);
    size_t index = t->actors_.size();
    for (const std::string& name : e.names) {
      t->AddPattern(name, false, index);
      t->by_name_.emplace(t->Key(name), index);
    }
    t->actors_.push_back(std::move(e));
  }
  n = 0;
  for (std::string_view line : Split(topics, '\n')) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    size_t arrow = line.find("<-");
    std::string_view name = Trim(line.substr(0, arrow));
    if (name.empty()) {
      errors->push_back("topics line " + std::to_string(n) + ": no topic before '<-'; skipped");
      continue;
    }
    Entry e;
    e.name = std::string(name);
    e.names.push_back(e.name);
    if (arrow != std::string_view::npos)
      for (std::string_view w : Split(line.substr(arrow + 2), ','))
        if (!w.empty()) e.names.emplace_back(w);
    size_t index = t->topics_.size();
    for (const std::string& w : e.names) t->AddPattern(w, true, index);
    t->topics_.push_back(std::move(e));
  }
  return t;
}

void Tagger::AddPattern(std::string_view text, bool topic, size_t index) {
  tokens_.clear();
  analyzer_->Analyze(text, /*stem=*/true, 0, &tokens_);
  if (tokens_.empty()) return;
  Pattern p{{}, topic, index};
  for (const Token& tok : tokens_) p.words.push_back(tok.term);
  by_first_[p.words[0]].push_back(std::move(p));
}

std::string Tagger::Key(std::string_view name) const {
  std::vector<Token> tokens;
  analyzer_->Analyze(name, /*stem=*/false, 0, &tokens);
  std::string key;
  for (const Token& tok : tokens) key += (key.empty() ? "" : " ") + tok.term;
  return key;
}

void Tagger::Detect(const Document& d, std::vector<std::string>* actors, std::vector<std::string>* topics) {
  actors->clear();
  topics->clear();
  std::vector<size_t> actor_order;
  std::vector<int> topic_count(topics_.size(), 0);
  std::vector<bool> topic_early(topics_.size(), false), actor_seen(actors_.size(), false);
  // The first paragraph ends at the first blank line of the body.
  size_t first_para = d.body.find("\n\n");
  auto scan = [&](std::string_view text, bool title) {
    tokens_.clear();
    analyzer_->Analyze(text, /*stem=*/true, 0, &tokens_);
    for (size_t i = 0; i < tokens_.size();) {
      auto it = by_first_.find(tokens_[i].term);
      const Pattern* best = nullptr;
      if (it != by_first_.end()) {
        for (const Pattern& p : it->second) {
          if (i + p.words.size() > tokens_.size() || (best && p.words.size() <= best->words.size())) continue;
          bool match = true;
          for (size_t k = 1; k < p.words.size() && match; ++k) match = tokens_[i + k].term == p.words[k];
          if (match) best = &p;
        }
      }
      if (!best) {
        ++i;
        continue;
      }
      if (best->topic) {
        ++topic_count[best->index];
        if (title || tokens_[i].begin < first_para) topic_early[best->index] = true;
      } else if (!actor_seen[best->index]) {
        actor_seen[best->index] = true;
        actor_order.push_back(best->index);
      }
      i += best->words.size();
    }
  };
  scan(d.title, true);
  scan(d.body, false);
  for (size_t a : actor_order) actors->push_back(actors_[a].name);
  for (size_t t = 0; t < topics_.size(); ++t)
    if (topic_count[t] >= 2 || topic_early[t]) topics->push_back(topics_[t].name);
}

void Tagger::Tag(Document* d) {
  std::vector<std::string> actors, topics;
  Detect(*d, &actors, &topics);
  if (!actors.empty()) d->extra.emplace_back("Actors-Detected", Join(actors));
  if (!topics.empty()) d->extra.emplace_back("Topics-Detected", Join(topics));
  if (d->actors.empty()) d->actors = std::move(actors);
  if (d->topics.empty()) d->topics = std::move(topics);
}

std::vector<std::string> Tagger::NamesOf(std::string_view name) const {
  auto it = by_name_.find(Key(name));
  if (it == by_name_.end()) return {};
  return actors_[it->second].names;
}

}  // namespace loupe::ingest
