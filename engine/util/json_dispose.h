// Destroying a nlohmann::json that holds containers allocates (it moves the
// children onto a heap stack of its own), inside a noexcept destructor: when
// that allocation fails the process ends, where every other allocation
// failure is an ordinary Status (util/guard.h). Emptying the containers from
// the leaves up first leaves it nothing to allocate. Not installed.
//
//   nlohmann::json j;
//   JsonDisposer dispose_j{j};  // declared after j: runs first, also on unwinding
//   ParseJson(text, &j);
#ifndef LOUPE_UTIL_JSON_DISPOSE_H_
#define LOUPE_UTIL_JSON_DISPOSE_H_

#include <nlohmann/json.hpp>
#include <string_view>

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

// As nlohmann::json::parse(text, nullptr, false) (a discarded value for text
// that is not JSON), but what an exception (memory running out) leaves half
// built stays in *out for its JsonDisposer, where parse would destroy it
// itself, allocating.
template <typename Json>
void ParseJson(std::string_view text, Json* out) {
  nlohmann::detail::json_sax_dom_parser<Json> sax(*out, /*allow_exceptions_=*/false);
  if (!Json::sax_parse(text, &sax) || sax.is_errored()) {
    DisposeJson(*out);
    *out = Json(Json::value_t::discarded);
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
