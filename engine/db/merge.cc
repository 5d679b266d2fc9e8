// MergeSplits (loupe/index.h): several splits of a collection rewritten as
// one, like xapian-compact's merge of databases. The new split is built
// beside the old ones (DIR/splits/NAME.merging), renamed into place, and
// named in the manifest in place of the old ones by one atomic manifest
// write; only then are the old folders deleted. See docs/index-format.md,
// "Collections".
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "db/collection_impl.h"
#include "db/manifest.h"
#include "db/open.h"
#include "loupe/index.h"
#include "util/guard.h"

namespace loupe {

namespace {

namespace fs = std::filesystem;

// Documents read from a split per search page while merging.
constexpr size_t kMergePage = 10000;

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string SplitList(const Manifest& m) {
  std::string names;
  for (const ManifestSplit& s : m.splits) names += (names.empty() ? "" : ", ") + s.name;
  return names.empty() ? std::string("none") : names;
}

// Deletes the folders the manifest lists as retired (merged away) and drops
// them from the list, under the collection lock.
Status RemoveRetired(const std::string& dir) {
  auto lock = CollectionLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  auto m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  if (m->retired.empty()) return Status::OK();
  std::error_code ec;
  for (const std::string& name : m->retired)
    if (!m->Find(name)) fs::remove_all(dir + "/splits/" + name, ec);
  if (ec) return Status::IOError("cannot delete a merged split's folder in " + dir + "/splits: " + ec.message());
  SyncDir(dir + "/splits");
  m->retired.clear();
  return WriteManifest(dir, *m);
}

}  // namespace

Result<MergeReport> MergeSplits(const std::string& dir, const std::vector<std::string>& splits,
                                const std::string& into) {
  return Guard([&]() -> Result<MergeReport> {
    std::error_code ec;
    auto m = ReadManifest(dir);
    if (!m.ok()) {
      if (!m.status().IsNotFound()) return m.status();
      if (fs::exists(dir + "/data.mdb", ec))
        return Status::InvalidArgument(dir +
                                       " is a plain index, not a collection: only a collection's splits are "
                                       "merged (loupe convert --to collection makes it one)");
      return Status::NotFound("no collection at " + dir);
    }
    std::vector<std::string> names;
    for (const std::string& s : splits)
      if (std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
    for (const std::string& s : names)
      if (!m->Find(s))
        return Status::NotFound("the collection " + dir + " has no split '" + s + "' (its splits: " + SplitList(*m) +
                                ")");
    if (names.size() < 2)
      return Status::InvalidArgument("a merge needs at least two splits of " + dir + " (given: " +
                                     std::to_string(names.size()) + "; its splits: " + SplitList(*m) + ")");
    if (!IsMergedSplitName(into))
      return Status::InvalidArgument(
          "'" + into +
          "' cannot name a split: use 1 to 64 letters, digits, '-', '_' and '.', not starting with '.' "
          "and not ending in .merging or .compacting");
    if (m->Find(into))
      return Status::InvalidArgument("the collection " + dir + " has a split '" + into +
                                     "' already; merge into a name no split has (its splits: " + SplitList(*m) + ")");
    // A period's name stays the period's: new documents dated in it go to a
    // split of that name (docs/index-format.md, "Collections").
    if (IsSplitName(m->partition, into))
      return Status::InvalidArgument("'" + into + "' is the name of a period of the collection's partition (" +
                                     PartitionName(m->partition) +
                                     "), which new documents of that period go to; merge into another name, such "
                                     "as '" +
                                     into + "-merged'");

    // The splits in the collection's order, each opened with its write lock
    // held until the manifest names the merged split.
    struct Source {
      ManifestSplit entry;
      std::unique_ptr<Index> index;
      std::unique_ptr<Writer> lock;
    };
    std::vector<Source> sources;
    for (const std::string& s : names) sources.push_back(Source{*m->Find(s), nullptr, nullptr});
    std::sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) {
      auto key = [](const Source& s) {
        bool last = s.entry.first == INT32_MIN || s.entry.documents == 0;
        return std::make_tuple(last, s.entry.first, std::string_view(s.entry.name));
      };
      return key(a) < key(b);
    });
    MergeReport report;
    for (Source& s : sources) {
      const std::string sdir = dir + "/splits/" + s.entry.name;
      auto index = OpenPlainIndex(sdir, {.tagging = false});
      if (!index.ok()) return Status(index.status().code(), "split " + s.entry.name + ": " + index.status().message());
      s.index = std::move(*index);
      auto w = s.index->NewWriter();
      if (!w.ok()) {
        if (w.status().code() == StatusCode::kLocked)
          return Status::Locked("split " + s.entry.name + " of " + dir + " is being written (" + w.status().message() +
                                "); merge it when that writer is done");
        return Status(w.status().code(), "split " + s.entry.name + ": " + w.status().message());
      }
      s.lock = std::move(*w);
      report.bytes_before += fs::file_size(sdir + "/data.mdb", ec);
    }

    const std::string target = dir + "/splits/" + into;
    const std::string tmp = target + ".merging";
    // Left by a merge that was stopped: not named by the manifest (checked above).
    fs::remove_all(tmp, ec);
    if (ec) return Status::IOError("cannot delete " + tmp + ", left by a stopped merge: " + ec.message());
    struct RemoveUnlessDone {
      const std::string& dir;
      bool done = false;
      ~RemoveUnlessDone() {
        std::error_code ignored;
        if (!done) fs::remove_all(dir, ignored);
      }
    } cleanup{tmp};
    {
      auto merged = OpenPlainIndex(tmp, {.create_if_missing = true, .tagging = false});
      if (!merged.ok()) return merged.status();
      // The stored documents are tagged already: copied as they are.
      auto w = (*merged)->NewWriter();
      if (!w.ok()) return w.status();
      for (Source& s : sources) {
        // By date (undated last), then by internal id: the order equal
        // scores rank in, so a merged collection ranks ties as before.
        SearchOptions o{.limit = kMergePage, .load_documents = true, .sort = SortOrder::kDateAscending};
        for (;;) {
          auto page = s.index->Search(Query::All(), o);
          if (!page.ok()) return Status(page.status().code(), "split " + s.entry.name + ": " + page.status().message());
          for (const Hit& h : page->hits) {
            if (Status st = (*w)->Add(h.document); !st.ok()) return st;
            ++report.documents;
          }
          if (page->next_cursor.empty() || page->hits.empty()) break;
          o.after = page->next_cursor;
        }
        ++report.splits;
      }
      if (Status st = (*w)->Commit(); !st.ok()) return st;
    }
    SyncDir(tmp);
    // A folder NAME the manifest does not list: left by a merge stopped
    // between this rename and its manifest write.
    fs::remove_all(target, ec);
    if (ec) return Status::IOError("cannot delete " + target + ", left by a stopped merge: " + ec.message());
    fs::rename(tmp, target, ec);
    if (ec) return Status::IOError("cannot rename " + tmp + " to " + target + ": " + ec.message());
    cleanup.done = true;
    SyncDir(dir + "/splits");
    report.bytes_after = fs::file_size(target + "/data.mdb", ec);

    // The commit point: one manifest write replaces the old splits by the new.
    {
      auto lock = CollectionLock::Acquire(dir);
      if (!lock.ok()) return lock.status();
      auto now = ReadManifest(dir);
      if (!now.ok()) return now.status();
      ManifestSplit entry;
      entry.name = into;
      {
        auto index = OpenPlainIndex(target, {.read_only = true, .tagging = false});
        if (!index.ok()) return index.status();
        if (Status st = DescribeSplit(**index, &entry); !st.ok()) return st;
      }
      std::vector<ManifestSplit> kept;
      for (ManifestSplit& s : now->splits)
        if (std::find(names.begin(), names.end(), s.name) == names.end()) kept.push_back(std::move(s));
      kept.push_back(entry);
      std::sort(kept.begin(), kept.end(),
                [](const ManifestSplit& a, const ManifestSplit& b) { return a.name < b.name; });
      now->splits = std::move(kept);
      for (const std::string& s : names)
        if (std::find(now->retired.begin(), now->retired.end(), s) == now->retired.end()) now->retired.push_back(s);
      now->retired.erase(std::remove(now->retired.begin(), now->retired.end(), into), now->retired.end());
      ++now->generation;
      if (Status st = WriteManifest(dir, *now); !st.ok()) return st;
    }
    for (Source& s : sources) {
      s.lock.reset();
      s.index.reset();
    }
    if (Status st = RemoveRetired(dir); !st.ok()) return st;
    return report;
  });
}

}  // namespace loupe
