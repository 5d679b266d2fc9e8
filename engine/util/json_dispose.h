// Destroying a nlohmann::json that holds containers allocates (it moves the
// children onto a heap stack of its own), inside a noexcept destructor: when
// that allocation fails the process ends, where every other allocation
// failure is an ordinary Status (util/guard.h). Emptying the containers from
// the leaves up first leaves it nothing to allocate. Not installed.
//
//   nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
//   JsonDisposer dispose_j{j};  // declared after j: runs first, also on unwinding
#ifndef LOUPE_UTIL_JSON_DISPOSE_H_
#define LOUPE_UTIL_JSON_DISPOSE_H_

namespace loupe {

// Deeper than this, containers are left to the json's destructor (which may
// allocate): the recursion stays small, and no document Loupe reads nests so deep.
inline constexpr int kMaxJsonDisposeDepth = 64;

// Empties `j`'s containers, deepest first, without allocating.
template <typename Json>
void DisposeJson(Json& j, int depth = 0) noexcept {
  if (depth > kMaxJsonDisposeDepth) return;
  if (j.is_array()) {
    auto& array = j.template get_ref<typename Json::array_t&>();
    for (Json& child : array) DisposeJson(child, depth + 1);
    array.clear();
  } else if (j.is_object()) {
    auto& object = j.template get_ref<typename Json::object_t&>();
    for (auto& member : object) DisposeJson(member.second, depth + 1);
    object.clear();
  }
}

// Runs DisposeJson on a json when it goes out of scope.
template <typename Json>
struct JsonDisposer {
  Json& json;
  ~JsonDisposer() { DisposeJson(json); }
};
template <typename Json>
JsonDisposer(Json&) -> JsonDisposer<Json>;

}  // namespace loupe

#endif  // LOUPE_UTIL_JSON_DISPOSE_H_
