// ConvertToCollection and ConvertToIndex (loupe/index.h): a plain index made
// a collection of one split, and back. Each copies the data file beside the
// original under the write lock, so that until the commit point (the
// manifest written, or removed) the folder is what it was, whole; what is
// left after it is removed by the next conversion of the folder, either way.
// See docs/index-format.md, "Converting".
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "db/collection_impl.h"
#include "db/manifest.h"
#include "db/open.h"
#include "loupe/index.h"
#include "util/guard.h"

namespace loupe {

namespace {

namespace fs = std::filesystem;

Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot sync " + path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot sync " + path + " (the disk is full or failing)");
  return Status::OK();
}

// Copies `from` to `to` through `to`.tmp, synced and renamed: `to` is whole or absent.
Status CopyWhole(const std::string& from, const std::string& to) {
  std::error_code ec;
  const std::string tmp = to + ".tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::IOError("cannot copy " + from + " to " + tmp + ": " + ec.message());
  }
  if (Status s = SyncPath(tmp, false); !s.ok()) return s;
  fs::rename(tmp, to, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + " to " + to + ": " + ec.message());
  return SyncPath(fs::path(to).parent_path().string(), true);
}

// What a collection has beside its manifest, left in a plain index's folder by
// a conversion stopped before (to a collection) or after (to an index) its
// commit point.
void RemoveCollectionParts(const std::string& dir, std::error_code& ec) {
  for (const char* name : {"meta", "splits", "collection.lock", "collection.json.tmp"})
    fs::remove_all(dir + "/" + name, ec);
}

// The plain index's files left in a collection's folder (the other way round).
void RemoveIndexParts(const std::string& dir, std::error_code& ec) {
  for (const char* name : {"data.mdb", "data.mdb.tmp", "lock.mdb", "write.lock"}) fs::remove(dir + "/" + name, ec);
}

}  // namespace

Status ConvertToCollection(const std::string& dir) {
  return Guard([&]() -> Status {
    std::error_code ec;
    if (fs::exists(dir + "/" + std::string(kManifestFile), ec)) {
      if (!fs::exists(dir + "/data.mdb", ec)) return Status::InvalidArgument(dir + " is a collection already");
      // A conversion stopped after its manifest: the plain index's files are leftovers.
      auto lock = CollectionLock::Acquire(dir);
      if (!lock.ok()) return lock.status();
      RemoveIndexParts(dir, ec);
      if (ec) return Status::IOError("cannot remove the old index files of " + dir + ": " + ec.message());
      return Status::OK();
    }
    auto index = OpenPlainIndex(dir, {.tagging = false});
    if (!index.ok()) return index.status();
    auto writer = (*index)->NewWriter();  // the write lock, held to the end
    if (!writer.ok()) return writer.status();
    RemoveCollectionParts(dir, ec);  // a stopped conversion's
    if (ec) return Status::IOError("cannot remove what a stopped conversion left in " + dir + ": " + ec.message());
    auto metadata = (*index)->ListMetadata("");
    if (!metadata.ok()) return metadata.status();
    ManifestSplit entry;
    entry.name = SplitNameOf(Partition::kNone, std::nullopt);
    if (Status s = DescribeSplit(**index, &entry); !s.ok()) return s;
    {
      auto meta = OpenPlainIndex(dir + "/meta", {.create_if_missing = true, .writer_threads = 0, .tagging = false});
      if (!meta.ok()) return meta.status();
      auto w = (*meta)->NewWriter();
      if (!w.ok()) return w.status();
      for (const auto& [k, v] : *metadata)
        if (Status s = (*w)->SetMetadata(k, v); !s.ok()) return s;
      if (Status s = (*w)->Commit(); !s.ok()) return s;
    }
    const std::string split = dir + "/splits/" + entry.name;
    fs::create_directories(split, ec);
    if (ec) return Status::IOError("cannot create " + split + ": " + ec.message());
    // No writer can change data.mdb while the write lock is held; readers
    // write only lock.mdb.
    if (Status s = CopyWhole(dir + "/data.mdb", split + "/data.mdb"); !s.ok()) return s;
    Manifest m;
    std::random_device random;
    m.id = (uint64_t{random()} << 32) ^ random();
    if (m.id == 0) m.id = 1;
    m.partition = Partition::kNone;
    m.generation = 1;
    m.splits.push_back(entry);
    {
      auto lock = CollectionLock::Acquire(dir);
      if (!lock.ok()) return lock.status();
      if (Status s = WriteManifest(dir, m); !s.ok()) return s;  // the commit point
    }
    writer->reset();
    index->reset();
    RemoveIndexParts(dir, ec);
    return Status::OK();
  });
}

Status ConvertToIndex(const std::string& dir) {
  return Guard([&]() -> Status {
    std::error_code ec;
    auto m = ReadManifest(dir);
    if (!m.ok()) {
      if (!m.status().IsNotFound()) return m.status();
      if (!fs::exists(dir + "/data.mdb", ec)) return Status::NotFound("no index at " + dir);
      bool leftovers = false;
      for (const char* name : {"meta", "splits", "collection.lock"})
        leftovers = leftovers || fs::exists(dir + "/" + name, ec);
      if (!leftovers) return Status::InvalidArgument(dir + " is a plain index already");
      // A conversion stopped after removing its manifest: the collection's parts are leftovers.
      auto index = OpenPlainIndex(dir, {.tagging = false});
      if (!index.ok()) return index.status();
      auto writer = (*index)->NewWriter();
      if (!writer.ok()) return writer.status();
      RemoveCollectionParts(dir, ec);
      if (ec) return Status::IOError("cannot remove what a stopped conversion left in " + dir + ": " + ec.message());
      return Status::OK();
    }
    if (m->splits.size() != 1) {
      std::string names;
      for (const ManifestSplit& s : m->splits) names += (names.empty() ? "" : " ") + s.name;
      return Status::InvalidArgument(
          "the collection " + dir + " has " + std::to_string(m->splits.size()) +
          " splits; only a collection of one split becomes a plain index: merge them first (loupe merge --db " + dir +
          " " + names + " --into all)");
    }
    const std::string name = m->splits[0].name;
    const std::string split = dir + "/splits/" + name;
    auto index = OpenPlainIndex(split, {.tagging = false});
    if (!index.ok()) return index.status();
    auto writer = (*index)->NewWriter();  // the split's write lock, held to the end
    if (!writer.ok()) {
      if (writer.status().code() == StatusCode::kLocked)
        return Status::Locked("split " + name + " of " + dir + " is being written (" + writer.status().message() + ")");
      return writer.status();
    }
    {
      auto meta = OpenPlainIndex(dir + "/meta", {.tagging = false});
      if (!meta.ok()) return meta.status();
      auto meta_lock = (*meta)->NewWriter();
      if (!meta_lock.ok()) return meta_lock.status();
      auto metadata = (*meta)->ListMetadata("");
      if (!metadata.ok()) return metadata.status();
      // The collection's metadata into the split, in one commit.
      for (const auto& [k, v] : *metadata)
        if (Status s = (*writer)->SetMetadata(k, v); !s.ok()) return s;
      if (Status s = (*writer)->Commit(); !s.ok()) return s;
    }
    RemoveIndexParts(dir, ec);  // a stopped conversion's
    if (Status s = CopyWhole(split + "/data.mdb", dir + "/data.mdb"); !s.ok()) return s;
    {
      auto lock = CollectionLock::Acquire(dir);
      if (!lock.ok()) return lock.status();
      // Another process finishing a conversion to a collection removes a
      // data.mdb beside the manifest under this lock.
      if (!fs::exists(dir + "/data.mdb", ec))
        return Status::Locked("another process converted " + dir + " meanwhile; run the conversion again");
      // The commit point: without its manifest the folder is the plain index.
      fs::remove(dir + "/" + std::string(kManifestFile), ec);
      if (ec) return Status::IOError("cannot remove the manifest of " + dir + ": " + ec.message());
      if (Status s = SyncPath(dir, true); !s.ok()) return s;
    }
    writer->reset();
    index->reset();
    RemoveCollectionParts(dir, ec);
    return Status::OK();
  });
}

}  // namespace loupe
