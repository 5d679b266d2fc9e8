#include "db/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "util/calendar.h"
#include "util/json_dispose.h"

namespace loupe {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kLengthNames[kManifestLengthFields] = {"title", "body", "actor", "topic", "author"};

std::string IoError(const std::string& what, const std::string& path, int err) {
  if (err == ENOSPC) return "cannot " + what + " " + path + ": the disk is full";
  return "cannot " + what + " " + path + ": " + std::strerror(err);
}

Json DateJson(Days d) { return d == INT32_MIN ? Json(nullptr) : Json(FormatIsoDate(d)); }

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

ManifestSplit* Manifest::Find(std::string_view name) {
  for (ManifestSplit& s : splits)
    if (s.name == name) return &s;
  return nullptr;
}

const ManifestSplit* Manifest::Find(std::string_view name) const {
  for (const ManifestSplit& s : splits)
    if (s.name == name) return &s;
  return nullptr;
}

const char* PartitionName(Partition p) {
  switch (p) {
    case Partition::kMonth:
      return "month";
    case Partition::kYear:
      return "year";
    case Partition::kNone:
      break;
  }
  return "none";
}

bool ParsePartition(std::string_view text, Partition* out) {
  if (text == "none") {
    *out = Partition::kNone;
  } else if (text == "month") {
    *out = Partition::kMonth;
  } else if (text == "year") {
    *out = Partition::kYear;
  } else {
    return false;
  }
  return true;
}

std::string SplitNameOf(Partition p, std::optional<Days> date) {
  if (p == Partition::kNone) return "all";
  if (!date) return "undated";
  int year;
  unsigned month, day;
  CivilFromDays(*date, &year, &month, &day);
  char buf[16];
  if (p == Partition::kYear)
    std::snprintf(buf, sizeof buf, "%04d", year);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02u", year, month);
  return buf;
}

bool IsSplitName(Partition p, std::string_view name) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (name[i] < '0' || name[i] > '9') return false;
    return true;
  };
  switch (p) {
    case Partition::kNone:
      return name == "all";
    case Partition::kYear:
      return name == "undated" || (name.size() == 4 && digits(0, 4));
    case Partition::kMonth:
      return name == "undated" || (name.size() == 7 && digits(0, 4) && name[4] == '-' && digits(5, 2) &&
                                   name.substr(5) >= "01" && name.substr(5) <= "12");
  }
  return false;
}

bool IsMergedSplitName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  for (std::string_view suffix : {std::string_view(".merging"), std::string_view(".compacting")})
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) return false;
  return true;
}

std::string EncodeManifest(const Manifest& m) {
  Json j;
  JsonDisposer dispose_j{j};
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(m.id));
  j["format"] = std::string(kManifestFormat);
  j["version"] = kManifestVersion;
  j["id"] = id;
  j["partition"] = PartitionName(m.partition);
  j["generation"] = m.generation;
  j["splits"] = Json::array();
  for (const ManifestSplit& s : m.splits) {
    Json lengths = Json::object();
    for (int f = 0; f < kManifestLengthFields; ++f) lengths[kLengthNames[f]] = s.total_lengths[f];
    j["splits"].push_back({{"name", s.name},
                           {"first", DateJson(s.first)},
                           {"last", DateJson(s.last)},
                           {"documents", s.documents},
                           {"total_lengths", std::move(lengths)},
                           {"format_version", s.format_version},
                           {"sealed", s.sealed},
                           {"commit", s.commit}});
  }
  if (!m.retired.empty()) j["retired"] = m.retired;
  return j.dump(2) + "\n";
}

Status DecodeManifest(std::string_view text, const std::string& path, Manifest* out) {
  Json j;
  JsonDisposer dispose_j{j};
  ParseJson(text, &j);
  const std::string fix =
      "; restore the collection from a backup (loupe backup), or rebuild it with loupe index into a new folder";
  auto bad = [&](const std::string& what) {
    return Status::Corruption("the collection manifest " + path + " is damaged: " + what + fix);
  };
  if (j.is_discarded()) return bad("it is not JSON (cut short or overwritten?)");
  if (!j.is_object()) return bad("it is not a JSON object");
  if (!j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kManifestFormat)
    return bad("its \"format\" is not \"" + std::string(kManifestFormat) + "\"");
  if (!j.contains("version") || !j["version"].is_number_integer()) return bad("it has no \"version\" number");
  if (j["version"] != kManifestVersion)
    return Status::VersionMismatch("the collection manifest " + path + " has version " + j["version"].dump() +
                                   "; this Loupe reads version " + std::to_string(kManifestVersion) +
                                   " (use the Loupe that wrote it, or rebuild the collection)");
  Manifest m;
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().size() != 16)
    return bad("its \"id\" is not 16 hexadecimal digits");
  {
    const std::string id = j["id"].get<std::string>();
    char* end = nullptr;
    m.id = std::strtoull(id.c_str(), &end, 16);
    if (end != id.c_str() + 16) return bad("its \"id\" is not 16 hexadecimal digits");
  }
  if (!j.contains("partition") || !j["partition"].is_string() ||
      !ParsePartition(j["partition"].get<std::string>(), &m.partition))
    return bad("its \"partition\" is not \"month\", \"year\" or \"none\"");
  if (!j.contains("generation") || !j["generation"].is_number_unsigned()) return bad("it has no \"generation\" count");
  m.generation = j["generation"].get<uint64_t>();
  if (!j.contains("splits") || !j["splits"].is_array()) return bad("it has no \"splits\" list");
  for (const Json& s : j["splits"]) {
    ManifestSplit split;
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
      return bad("a split in \"splits\" has no \"name\"");
    split.name = s["name"].get<std::string>();
    const std::string where = "split \"" + split.name + "\"";
    if (!IsSplitName(m.partition, split.name) && !IsMergedSplitName(split.name))
      return bad(where + " is not a split name (a period of the partition, " + PartitionName(m.partition) +
                 ", or a merged split's name: letters, digits, '-', '_', '.')");
    if (m.Find(split.name)) return bad(where + " is listed twice");
    for (auto [key, day] : {std::pair{"first", &split.first}, std::pair{"last", &split.last}}) {
      if (!s.contains(key) ||
          !(s[key].is_null() || (s[key].is_string() && ParseIsoDate(s[key].get<std::string>(), day))))
        return bad(where + " has no \"" + key + "\" date (YYYY-MM-DD or null)");
    }
    if ((split.first == INT32_MIN) != (split.last == INT32_MIN) || split.first > split.last)
      return bad(where + " has \"first\" and \"last\" dates that do not make a range");
    if (!s.contains("documents") || !s["documents"].is_number_unsigned())
      return bad(where + " has no \"documents\" count");
    split.documents = s["documents"].get<uint64_t>();
    if (!s.contains("total_lengths") || !s["total_lengths"].is_object())
      return bad(where + " has no \"total_lengths\"");
    for (int f = 0; f < kManifestLengthFields; ++f) {
      const Json& l = s["total_lengths"];
      if (!l.contains(kLengthNames[f]) || !l[kLengthNames[f]].is_number_unsigned())
        return bad(where + " has no \"total_lengths\" count for " + kLengthNames[f]);
      split.total_lengths[f] = l[kLengthNames[f]].get<uint64_t>();
    }
    if (!s.contains("format_version") || !s["format_version"].is_number_unsigned())
      return bad(where + " has no \"format_version\"");
    split.format_version = s["format_version"].get<uint32_t>();
    if (!s.contains("sealed") || !s["sealed"].is_boolean()) return bad(where + " has no \"sealed\" flag");
    split.sealed = s["sealed"].get<bool>();
    if (!s.contains("commit") || !s["commit"].is_number_unsigned()) return bad(where + " has no \"commit\" count");
    split.commit = s["commit"].get<uint64_t>();
    m.splits.push_back(std::move(split));
  }
  if (j.contains("retired")) {
    if (!j["retired"].is_array()) return bad("its \"retired\" is not a list");
    for (const Json& r : j["retired"]) {
      if (!r.is_string() ||
          !(IsSplitName(m.partition, r.get<std::string>()) || IsMergedSplitName(r.get<std::string>())))
        return bad("its \"retired\" list holds something that is not a split name");
      m.retired.push_back(r.get<std::string>());
    }
  }
  *out = std::move(m);
  return Status::OK();
}

Result<Manifest> ReadManifest(const std::string& dir, struct stat* file) {
  const std::string path = dir + "/" + std::string(kManifestFile);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no collection manifest at " + path);
    return Status::IOError(IoError("read", path, errno));
  }
  if (file && ::fstat(fd, file) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IOError(IoError("read", path, err));
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::IOError(IoError("read", path, err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  Manifest m;
  Status s = DecodeManifest(text, path, &m);
  if (!s.ok()) return s;
  return m;
}

Status WriteManifest(const std::string& dir, const Manifest& m) {
  const std::string path = dir + "/" + std::string(kManifestFile);
  const std::string tmp = path + ".tmp";
  const std::string text = EncodeManifest(m);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(IoError("write", tmp, errno));
  if (!WriteAll(fd, text) || ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::IOError(IoError("write", tmp, err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::IOError(IoError("replace", path, err));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::IOError(IoError("sync", dir, errno));
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) return Status::IOError(IoError("sync", dir, err));
  return Status::OK();
}

}  // namespace loupe
