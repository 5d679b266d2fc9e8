// CompactIndex (loupe/index.h): rewrites an index without its deleted and
// replaced documents, beside the old one, and swaps the two folders. Separate
// from the index and the writer, which it only uses: it reads the live
// documents through IndexImpl's environment and adds them with a Writer.
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "db/index_impl.h"
#include "db/manifest.h"
#include "db/open.h"
#include "index/doc_store.h"
#include "index/format.h"
#include "loupe/index.h"
#include "storage/lmdb.h"
#include "util/guard.h"

namespace loupe {

using db_internal::IndexImpl;
using db_internal::IsIndexFile;
using db_internal::ReadState;
using storage::Db;
using storage::Txn;

// Compaction builds the live documents into a sibling directory and swaps the
// two directories with one renameat2(RENAME_EXCHANGE), so data.mdb and its
// lock file change together: a process that had the index open keeps reading
// the old pair, a new one opens the new pair, and none mixes a lock file with
// the other data file (LMDB's lock file records which meta page is current).
Result<CompactReport> CompactIndex(const std::string& dir) {
  return Guard([&]() -> Result<CompactReport> {
    namespace fs = std::filesystem;
    std::error_code exists_ec;
    if (fs::exists(dir + "/" + std::string(kManifestFile), exists_ec)) return CompactCollection(dir);
    auto old = OpenPlainIndex(dir, {});  // a collection is compacted split by split
    if (!old.ok()) return old.status();
    auto lock = (*old)->NewWriter();  // holds the write lock until the swap is done
    if (!lock.ok()) return lock.status();
    // The real directory: a symbolic link given as --db stays a link to it.
    std::error_code canon_ec;
    std::string clean = fs::canonical(dir, canon_ec).string();
    if (canon_ec) return Status::IOError("cannot resolve " + dir + ": " + canon_ec.message());
    const std::string tmp = clean + ".compacting";
    std::error_code ec;
    // The old folder is deleted after the swap, and a stopped compaction's
    // folder before it: both must hold index files only.
    auto foreign = [&](const std::string& d) -> std::string {
      for (const auto& entry : fs::directory_iterator(d, ec)) {
        const std::string name = entry.path().filename().string();
        if (!IsIndexFile(name)) return name;
      }
      return "";
    };
    if (std::string f = foreign(clean); !f.empty())
      return Status::InvalidArgument("the index folder " + clean + " holds '" + f +
                                     "', which is not part of the index; compaction replaces the whole folder, so "
                                     "move it elsewhere first");
    if (fs::exists(tmp, ec)) {
      if (std::string f = foreign(tmp); !f.empty())
        return Status::InvalidArgument(tmp + " exists and holds '" + f +
                                       "', which compaction did not write; move or remove it first");
      fs::remove_all(tmp, ec);  // left by a compaction that was stopped
    }
    CompactReport report;
    report.bytes_before = fs::file_size(clean + "/data.mdb", ec);
    // A compaction that fails (a full disk, a damaged document) deletes what it
    // wrote: the index stays as it was and nothing is left beside it. Declared
    // before the new index below, so that index is closed first.
    struct RemoveUnlessSwapped {
      const std::string& dir;
      bool swapped = false;
      ~RemoveUnlessSwapped() {
        std::error_code ignored;
        if (!swapped) fs::remove_all(dir, ignored);
      }
    } cleanup{tmp};
    {
      // The stored documents are tagged already (and may have been tagged
      // with other data than the index holds now): they are copied as they are.
      // The copy is created analyzing as the index was (its terms are re-made).
      const bool fold = static_cast<IndexImpl*>(old->get())->analyzer_options().fold_diacritics;
      auto fresh = Index::Open(tmp, {.create_if_missing = true, .tagging = false, .fold_diacritics = fold});
      if (!fresh.ok()) return fresh.status();
      auto w = (*fresh)->NewWriter();
      if (!w.ok()) return w.status();
      // Read before the transaction below: a thread must not hold two
      // transactions of one environment (the resize lock is not reentrant).
      // The write lock keeps both reads on the same commit.
      auto metadata = (*old)->ListMetadata("");
      if (!metadata.ok()) return metadata.status();
      auto* impl = static_cast<IndexImpl*>(old->get());
      auto txn = Txn::Begin(impl->env(), false);
      if (!txn.ok()) return txn.status();
      format::IndexState st;
      Status s = ReadState(**txn, &st);
      if (!s.ok()) return s;
      auto cur = storage::Cursor::Open(**txn, Db::kDocvals);
      if (!cur.ok()) return cur.status();
      format::DocBlockReader reader;
      Document doc;
      std::vector<format::DocValuesEntry> entries;
      for (bool ok = (*cur)->First(); ok; ok = (*cur)->Next()) {
        if ((*cur)->key().size() != 4 ||
            !format::DecodeDocValuesBlock(format::DecodeFixed32BE((*cur)->key().data()), (*cur)->value(), &entries))
          return Status::Corruption("document values unreadable; run loupe check");
        for (const format::DocValuesEntry& e : entries) {
          std::string_view v;
          if (!(s = reader.Read(**txn, e.doc, &v)).ok())
            return s.IsNotFound() ? Status::Corruption("a live document has no stored fields; run loupe check") : s;
          if (!format::DecodeStoredDoc(v, &doc))
            return Status::Corruption("stored document unreadable; run loupe check");
          if (!(s = (*w)->Add(doc)).ok()) return s;
          ++report.documents;
        }
      }
      if (!(*cur)->status().ok()) return (*cur)->status();
      report.dropped = (st.next_doc > 1 ? st.next_doc - 1 : 0) - report.documents;
      for (const auto& [k, v] : *metadata)
        if (!(s = (*w)->SetMetadata(k, v)).ok()) return s;
      txn->reset();
      if (!(s = (*w)->Commit()).ok()) return s;
    }
    // The new pair is committed (LMDB syncs at commit); sync the directory entries too.
    for (const std::string& d : {tmp, fs::path(clean).parent_path().string()}) {
      int fd = ::open(d.empty() ? "." : d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
    }
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, clean.c_str(), RENAME_EXCHANGE) != 0)
      return Status::IOError("cannot swap the compacted index into place (" + std::string(std::strerror(errno)) +
                             "); the index is unchanged");
    cleanup.swapped = true;
    // The exchange is durable before the old index is deleted: a file system
    // may write directory changes in any order until a sync, and without it a
    // power cut could keep the deletion of the old folder's files (now at
    // `tmp`) and lose the exchange, leaving `clean` without its data file.
    // This also makes a compaction that returned durable (tests/faults/
    // powerloss.py checks both).
    if (int fd = ::open(fs::path(clean).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    lock->reset();
    old->reset();
    fs::remove_all(tmp, ec);  // now the old index
    report.bytes_after = fs::file_size(clean + "/data.mdb", ec);
    return report;
  });
}

}  // namespace loupe
