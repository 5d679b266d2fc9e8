// Query parser golden table: query -> canonical syntax tree, or -> exact error
// message and byte offset. Every parser bug fixed adds a row.
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>

#include "loupe/query_parser.h"

using namespace loupe;

namespace {

struct Ok {
  const char* query;
  const char* tree;
};

struct Err {
  const char* query;
  const char* message;  // exact message
  size_t offset;
};

}  // namespace

TEST_CASE("parser golden table: accepted queries") {
  const Ok rows[] = {
      {"tariffs", "tariffs"},
      {"  tariffs  ", "tariffs"},
      {"tariffs soybeans", "(AND tariffs soybeans)"},
      {"tariffs AND soybeans", "(AND tariffs soybeans)"},
      {"a b c", "(AND a b c)"},
      {"a OR b", "(OR a b)"},
      {"a OR b OR c", "(OR a b c)"},
      {"a b OR c", "(OR (AND a b) c)"},
      {"a OR b c", "(OR a (AND b c))"},
      {"a AND b OR c AND d", "(OR (AND a b) (AND c d))"},
      {"a (b OR c)", "(AND a (OR b c))"},
      {"(a OR b) (c OR d)", "(AND (OR a b) (OR c d))"},
      {"((a))", "a"},
      {"NOT a", "(NOT a)"},
      {"a NOT b", "(AND a (NOT b))"},
      {"a AND NOT b", "(AND a (NOT b))"},
      {"NOT a OR b", "(OR (NOT a) b)"},
      {"NOT (a OR b)", "(NOT (OR a b))"},
      {"NOT NOT a", "(NOT (NOT a))"},
      {"-a", "(NOT a)"},
      {"a -b", "(AND a (NOT b))"},
      {"a -\"b c\"", "(AND a (NOT \"b c\"))"},
      {"a -(b OR c)", "(AND a (NOT (OR b c)))"},
      {"a - b", "(AND a - b)"},
      {"COVID-19", "COVID-19"},
      {"US-China", "US-China"},
      {"\"trade talks\"", "\"trade talks\""},
      {"\xE2\x80\x9Ctrade talks\xE2\x80\x9D", "\"trade talks\""},
      {"\"\"", "\"\""},
      {"actor:Bessent", "actor:Bessent"},
      {"ACTOR:Bessent", "actor:Bessent"},
      {"Actor:\"He Lifeng\"", "actor:\"He Lifeng\""},
      {"topic:tariffs", "topic:tariffs"},
      {"title:truce author:Lee", "(AND title:truce author:Lee)"},
      {"actor:Bessent AND topic:tariffs before:2025-09-17", "(AND actor:Bessent topic:tariffs before:2025-09-17)"},
      {"before:2025-09-17", "before:2025-09-17"},
      {"after:2025", "after:2025"},
      {"on:2025-05", "on:2025-05"},
      {"date:2025-05-01..2025-09-17", "date:2025-05-01..2025-09-17"},
      {"tariffs date:2025 -topic:tiktok", "(AND tariffs date:2025 (NOT topic:tiktok))"},
      {"a OR -b", "(OR a (NOT b))"},
      {"and or not", "(AND and or not)"},
      {"12:30", "12:30"},
      {"\xE4\xB8\xAD\xE7\xBE\x8E \xE5\x85\xB3\xE7\xA8\x8E", "(AND \xE4\xB8\xAD\xE7\xBE\x8E \xE5\x85\xB3\xE7\xA8\x8E)"},
      {"actor:\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0", "actor:\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0"},
      {"a\tb\nc", "(AND a b c)"},
      {"(a)(b)", "(AND a b)"},
      {"\"a\"\"b\"", "(AND \"a\" \"b\")"},
      {"x:y:z", "x:y:z"},
      {"tariffs NEAR/s soybeans", "(NEAR/s tariffs soybeans)"},
      {"title:a NEAR/s title:b", "(NEAR/s title:a title:b)"},
      {"+tariffs", "(+ tariffs)"},
      {"a OR +b", "(OR a (+ b))"},
      {"+a OR +b c", "(OR (+ a) (AND (+ b) c))"},
      {"+\"trade talks\" OR x", "(OR (+ \"trade talks\") x)"},
      {"+(a OR b) c", "(AND (+ (OR a b)) c)"},
      {"+actor:Bessent", "(+ actor:Bessent)"},
      {"C++", "C++"},
      {"++a", "++a"},
      {"a + b", "(AND a + b)"},
      {"a+b", "a+b"},
  };
  for (const Ok& r : rows) {
    INFO("query: " << r.query);
    auto t = ParseQuery(r.query);
    REQUIRE(t.ok());
    CHECK(t->ToString() == r.tree);
  }
}

TEST_CASE("parser golden table: rejected queries") {
  const Err rows[] = {
      {"", "empty query: type some words to search for", 0},
      {"   ", "empty query: type some words to search for", 0},
      {"(a", "unbalanced '(': no ')' closes it", 0},
      {"a (b (c)", "unbalanced '(': no ')' closes it", 2},
      {"a)", "unbalanced ')': no '(' before it", 1},
      {"(a))", "unbalanced ')': no '(' before it", 3},
      {"\"trade talks", "unbalanced quote: this '\"' has no closing quote", 0},
      {"a \"b\" \"c", "unbalanced quote: this '\"' has no closing quote", 6},
      {"()", "unexpected ')': empty parentheses or a missing term before it", 1},
      {"a OR", "the query ends too early (an operator is missing its right-hand side?)", 4},
      {"a AND", "the query ends too early (an operator is missing its right-hand side?)", 5},
      {"NOT", "the query ends too early (an operator is missing its right-hand side?)", 3},
      {"OR a", "'OR' needs a term on both sides", 0},
      {"a AND OR b", "'OR' needs a term on both sides", 6},
      {"a OR AND b", "'AND' needs a term on both sides", 5},
      {"(OR a)", "'OR' needs a term on both sides", 1},
      {"before: 2025-09-17", "'before:' expects a date right after the colon, e.g. before:2025-09-17", 0},
      {"a actor: Bessent", "'actor:' expects a value right after the colon, e.g. actor:Bessent", 2},
      {"actor:", "'actor:' expects a value right after the colon, e.g. actor:Bessent", 0},
      {"title:(a author:b)", "'author:' inside 'title:(...)': a field group cannot name another field", 9},
  };
  for (const Err& r : rows) {
    INFO("query: " << r.query);
    auto t = ParseQuery(r.query);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == StatusCode::kQuerySyntax);
    CHECK(t.status().message() == r.message);
    CHECK(t.status().offset() == r.offset);
  }
}

TEST_CASE("planner golden table") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const Ok rows[] = {
      {"actor:Bessent AND topic:tariffs before:2025-09-17", "(AND actor:bessent topic:tariff date:[..2025-09-16])"},
      {"tariffs", "(OR title:tariff body:tariff actor:tariffs topic:tariff)"},
      {"title:tariffs OR +title:china", "(AND_MAYBE title:china title:tariff)"},
      {"tariffs NEAR/s China", "(OR (NEAR/s title:tariff title:china) (NEAR/s body:tariff body:china))"},
      {"title:=Tariffs", "title:=Tariffs"},
      {"title:=tariffs", "title:=tariffs"},
      {"actor:=bessent", "actor:bessent"},
      {"actor:=Bessent", "actor:=Bessent"},
      {"=US", "(OR title:=US body:=US actor:=US topic:=US)"},
      {"title:=TikTok\xE2\x80\x99s", "title:=TikTok's"},
      {"title:tariffs NEAR/s title:China", "(NEAR/s title:tariff title:china)"},
      {"+title:china", "title:china"},
      {"+title:china title:tariffs", "(AND title:china title:tariff)"},
      {"title:a OR +title:china OR +title:soybeans OR title:b",
       "(AND_MAYBE (AND title:china title:soybean) (OR title:a title:b))"},
      {"actor:\"He Lifeng\"", "actor:\"he lifeng\""},
      {"author:Lee", "author:lee"},
      {"title:Truces", "title:truce"},
      {"COVID-19", "(OR title:\"covid 19\" body:\"covid 19\" actor:\"covid 19\" topic:\"covid 19\")"},
      {"topic:\"trade talks\"", "topic:\"trade talk\""},
      {"after:2025-09", "date:[2025-09-01..]"},
      {"on:2024-02", "date:[2024-02-01..2024-02-29]"},
      {"date:2025", "date:[2025-01-01..2025-12-31]"},
      {"date:2025-05..2025-09-17", "date:[2025-05-01..2025-09-17]"},
      {"before:2025", "date:[..2024-12-31]"},
      {"-topic:tiktok", "(NOT topic:tiktok)"},
      {"title:a title:b OR title:c", "(OR (AND title:a title:b) title:c)"},
      {"title:x (title:y title:z)", "(AND title:x title:y title:z)"},
      {"title:x , title:y", "(AND title:x title:y)"},
      {"title:U.S.", "title:us"},
      {"since:2025-09", "date:[2025-09-01..]"},
      {"until:2025-09", "date:[..2025-09-30]"},
      {"until:2025-09-17", "date:[..2025-09-17]"},
      {"date:2025-05..", "date:[2025-05-01..]"},
      {"date:..2025-06", "date:[..2025-06-30]"},
      {"date:>=2025-09-01", "date:[2025-09-01..]"},
      {"date:>2025-09", "date:[2025-10-01..]"},
      {"date:<=2025", "date:[..2025-12-31]"},
      {"date:<2025-09-17", "date:[..2025-09-16]"},
      {"*", "*"},
      {"tariffs OR soybeans NOT tiktok",
       "(OR title:tariff body:tariff actor:tariffs topic:tariff (AND (OR title:soybean body:soybean actor:soybeans "
       "topic:soybean) (NOT (OR title:tiktok body:tiktok actor:tiktok topic:tiktok))))"},
      {"a AND (b OR c) AND NOT d",
       "(AND (OR title:a body:a actor:a topic:a) (OR title:b body:b actor:b topic:b title:c body:c actor:c topic:c) "
       "(NOT (OR title:d body:d actor:d topic:d)))"},
      {"(a OR b) (c OR d)",
       "(AND (OR title:a body:a actor:a topic:a title:b body:b actor:b topic:b) (OR title:c body:c actor:c topic:c "
       "title:d body:d actor:d topic:d))"},
      {"-a -b c",
       "(AND (NOT (OR title:a body:a actor:a topic:a)) (NOT (OR title:b body:b actor:b topic:b)) (OR title:c body:c "
       "actor:c topic:c))"},
      {"title:\"trade talks\" OR topic:chips", "(OR title:\"trade talk\" topic:chip)"},
      {"actor:Bessent actor:\"He Lifeng\"", "(AND actor:bessent actor:\"he lifeng\")"},
      {"author:Lee date:2025-05", "(AND author:lee date:[2025-05-01..2025-05-31])"},
      {"tariffs after:2025-04-01 before:2025-05-01",
       "(AND (OR title:tariff body:tariff actor:tariffs topic:tariff) date:[2025-04-01..] date:[..2025-04-30])"},
      {"\"rare earths\"~2 export*",
       "(AND (OR title:\"rare earth\"~2 body:\"rare earth\"~2 actor:\"rare earths\"~2 topic:\"rare earth\"~2) (OR "
       "title:export* body:export* actor:export* topic:export*))"},
      {"chip* NOT title:huawei", "(AND (OR title:chip* body:chip* actor:chip* topic:chip*) (NOT title:huawei))"},
      {"topic:(tariffs OR \"trade truce\")", "(OR topic:tariff topic:\"trade truce\")"},
      {"since:2025-10 topic:soybeans", "(AND date:[2025-10-01..] topic:soybean)"},
      {"date:2025-01..2025-03 tariffs^2",
       "(AND date:[2025-01-01..2025-03-31] (OR title:tariff body:tariff actor:tariffs topic:tariff)^2)"},
      {"“trade talks”", "(OR title:\"trade talk\" body:\"trade talk\" actor:\"trade talks\" topic:\"trade talk\")"},
      {"US-China truce",
       "(AND (OR title:\"us china\" body:\"us china\" actor:\"us china\" topic:\"us china\") (OR title:truce "
       "body:truce actor:truce topic:truce))"},
      {"COVID-19 vaccines",
       "(AND (OR title:\"covid 19\" body:\"covid 19\" actor:\"covid 19\" topic:\"covid 19\") (OR title:vaccin "
       "body:vaccin actor:vaccines topic:vaccin))"},
      {"Geneva NEAR/10 London",
       "(OR (OR title:\"geneva london\"~9 title:\"london geneva\"~9) (OR body:\"geneva london\"~9 body:\"london "
       "geneva\"~9) (OR actor:\"geneva london\"~9 actor:\"london geneva\"~9) (OR topic:\"geneva london\"~9 "
       "topic:\"london geneva\"~9))"},
      {"export ADJ/2 controls",
       "(OR title:\"export control\"~1 body:\"export control\"~1 actor:\"export controls\"~1 topic:\"export "
       "control\"~1)"},
      {"Nvidia~1 chips",
       "(AND (OR title:nvidia~1 body:nvidia~1 actor:nvidia~1 topic:nvidia~1) (OR title:chip body:chip actor:chips "
       "topic:chip))"},
      {"date:<2025-04 actor:Trump", "(AND date:[..2025-03-31] actor:trump)"},
      {"on:2025-10-30 Busan",
       "(AND date:[2025-10-30..2025-10-30] (OR title:busan body:busan actor:busan topic:busan))"},
      {"* -topic:tiktok", "(AND * (NOT topic:tiktok))"},
      {"title:(Busan OR Seoul) date:2025-10", "(AND (OR title:busan title:seoul) date:[2025-10-01..2025-10-31])"},
      {"tariff* AND NOT (china OR canada)",
       "(AND (OR title:tariff* body:tariff* actor:tariff* topic:tariff*) (NOT (OR title:china body:china actor:china "
       "topic:china title:canada body:canada actor:canada topic:canada)))"},
      {"a OR b OR c OR d",
       "(OR title:a body:a actor:a topic:a title:b body:b actor:b topic:b title:c body:c actor:c topic:c title:d "
       "body:d actor:d topic:d)"},
      {"title:tariffs^2", "title:tariff^2"},
      // A name with digits, or a value starting with '/' (a URL), is text; any
      // other name: is a field (unknown ones are errors: see below).
      {"Q3:results", "(OR title:\"q3 result\" body:\"q3 result\" actor:\"q3 results\" topic:\"q3 result\")"},
      {"https://example.com",
       "(OR title:\"https example.com\" body:\"https example.com\" actor:\"https example.com\" topic:\"https "
       "example.com\")"},
      {"5pm:at", "(OR title:\"5pm at\" body:\"5pm at\" actor:\"5pm at\" topic:\"5pm at\")"},
      {"title:a NEAR/2 title:b", "(OR title:\"a b\"~1 title:\"b a\"~1)"},
      {"title:tariffs ADJ/1 title:Soybeans", "title:\"tariff soybean\""},
      {"Title:a ADJ/3 title:b c", "(AND title:\"a b\"~2 (OR title:c body:c actor:c topic:c))"},
      {"actor:he NEAR/1 actor:lifeng", "(OR actor:\"he lifeng\" actor:\"lifeng he\")"},
      {"title:tarrifs~", "title:tarrif~2"},
      {"title:tarrifs~1", "title:tarrif~1"},
      {"actor:Besent~", "actor:besent~2"},
      {"actor:Li~", "actor:li~0"},
      {"actor:Xing~", "actor:xing~1"},
      {"title:tariffs~2^3", "title:tariff~2^3"},
      {"title:\"trade talks\"~3", "title:\"trade talk\"~3"},
      {"title:\"trade talks\"~2^4", "title:\"trade talk\"~2^4"},
      {"title:\"tariffs\"~3", "title:tariff"},
      {"\"trade talks\"^0.5 x",
       "(AND (OR title:\"trade talk\" body:\"trade talk\" actor:\"trade talks\" topic:\"trade talk\")^0.5 (OR title:x "
       "body:x actor:x topic:x))"},
      {"title:tarif*^3", "title:tarif*^3"},
      {"title:(tariffs OR truce)", "(OR title:tariff title:truce)"},
      {"topic:(tariffs -tiktok)", "(AND topic:tariff (NOT topic:tiktok))"},
      {"actor:(\"He Lifeng\" OR Bessent)", "(OR actor:\"he lifeng\" actor:bessent)"},
      {"date:(2024 OR 2025-03)", "(OR date:[2024-01-01..2024-12-31] date:[2025-03-01..2025-03-31])"},
      {"title:(econom* (a OR b))", "(AND title:econom* (OR title:a title:b))"},
      {"* before:2025", "(AND * date:[..2024-12-31])"},
      {"title:tarif*", "title:tarif*"},
      // A prefix of the words as written: no stem is added (economies is no economy*).
      {"title:economy*", "title:economy*"},
      {"actor:BESS*", "actor:bess*"},
      {"tariffs*", "(OR title:tariffs* body:tariffs* actor:tariffs* topic:tariffs*)"},
      {"title:tarif** -x", "(AND title:tarif* (NOT (OR title:x body:x actor:x topic:x)))"},
      // A part listed again is searched once, its score multiplied by the count.
      {"tarif* tarif*", "(OR title:tarif* body:tarif* actor:tarif* topic:tarif*)^2"},
      {"title:tarif* OR title:tarif* OR title:tarif*", "title:tarif*^3"},
      {"tarrifs~ china tarrifs~",
       "(AND (OR title:tarrif~2 body:tarrif~2 actor:tarrifs~2 topic:tarrif~2)^2 "
       "(OR title:china body:china actor:china topic:china))"},
      {"title:a -title:x -title:x before:2025 before:2025", "(AND title:a (NOT title:x) date:[..2024-12-31])"},
      {"title:a^2 title:a^2 title:a", "(AND title:a^2^2 title:a)"},
  };
  for (const Ok& r : rows) {
    INFO("query: " << r.query);
    auto q = CompileQuery(r.query, **analyzer);
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.tree);
  }
}

TEST_CASE("planner errors carry offsets into the query") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const Err rows[] = {
      {"acter:Bessent", "unknown field 'acter' \xE2\x80\x94 did you mean 'actor'?", 0},
      {"tariffs tpoic:x", "unknown field 'tpoic' \xE2\x80\x94 did you mean 'topic'?", 8},
      {"befor:2025", "unknown field 'befor' \xE2\x80\x94 did you mean 'before'?", 0},
      {"zzzzzz:x",
       "unknown field 'zzzzzz' (fields: title, author, actor, topic, mentions; dates: before, after, on, date, since, "
       "until)",
       0},
      {"tariffs at:5pm",
       "unknown field 'at' (fields: title, author, actor, topic, mentions; dates: before, after, on, date, since, "
       "until)",
       8},
      {"body:x",
       "unknown field 'body': bare words already search the body (fields: title, author, actor, topic, mentions; "
       "dates: before, "
       "after, on, date, since, until)",
       0},
      {"before:2025-13-40",
       "invalid date '2025-13-40': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       7},
      {"a before:2025-02-29",
       "invalid date '2025-02-29': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       9},
      {"on:tomorrow",
       "invalid date 'tomorrow': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       3},
      {"date:2025-01..2025-13",
       "invalid date '2025-13': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       14},
      {"date:2025-09..2025-01", "date range '2025-09..2025-01' is empty: its start is after its end", 5},
      {"before:2025..2026", "ranges like A..B work with date: only (e.g. date:2025-05-01..2025-09-17)", 7},
      {"before:\"2025\"", "'before:' expects a date like before:2025-09-17, not a quoted phrase", 8},
      {"\"\"", "the query has no searchable words (only punctuation or empty quotes)", 0},
      {"- ,", "the query has no searchable words (only punctuation or empty quotes)", 0},
      {"x a*b*", "'*' may only end a word, as in tarif*", 3},
      {"date:..", "a date range needs a start, an end or both (e.g. date:2025-05.. or date:..2025-09)", 5},
      {"date:2025-13..",
       "invalid date '2025-13': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       5},
      {"date:>=2025-02-30",
       "invalid date '2025-02-30': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       7},
      {"since:>2025", "comparisons like >=D work with date: only (e.g. date:>=2025-09-01)", 6},
      {"until:2025..2026", "ranges like A..B work with date: only (e.g. date:2025-05-01..2025-09-17)", 6},
      {"sinse:2025", "unknown field 'sinse' \xE2\x80\x94 did you mean 'since'?", 0},
      {"x a^", "'^' needs a number after it to boost the word before it, e.g. tariffs^2", 3},
      {"a NEAR/0 b", "'NEAR/n' needs a distance in words from 1 to 1000, e.g. tariffs NEAR/5 soybeans", 2},
      {"a ADJ/x b", "'ADJ/n' needs a distance in words from 1 to 1000, e.g. tariffs ADJ/5 soybeans", 2},
      {"NEAR/3 b", "'NEAR/3' joins two words: one right before it and one right after, e.g. tariffs NEAR/3 soybeans",
       0},
      {"a NEAR/3 \"b c\"", "'NEAR/3' joins two plain words (no phrases, groups, prefixes or boosts)", 9},
      {"title:a NEAR/3 b", "'NEAR/3' joins two words of the same field; write both bare or both as title:word", 8},
      {"a NEAR/3 US-China", "'NEAR/3' joins single words, but 'US-China' is 2 words", 9},
      {"x tariff~3", "fuzzy matching allows 0, 1 or 2 edits: write tariff~1 or tariff~2", 8},
      {"title:,~", "',~' has no letters or digits before the '~'", 6},
      {"before:2025~", "'before:' expects a date like before:2025-09-17, not a fuzzy term", 7},
      {"x ^2", "'^2' boosts the word or phrase right before it, e.g. tariffs^2", 2},
      {"x a^0", "a boost must be more than 0 and at most 1000, e.g. tariffs^2 or tariffs^0.5", 3},
      {"a^5000", "a boost must be more than 0 and at most 1000, e.g. tariffs^2 or tariffs^0.5", 1},
      {"\"a b\"^x", "a boost after a phrase is written \"...\"^N, e.g. \"trade talks\"^2", 5},
      {"\"a b\"~", "'~' after a phrase takes the number of words allowed in between, 0 to 1000, e.g. \"trade talks\"~3",
       5},
      {"\"a b\"~x",
       "'~' after a phrase takes the number of words allowed in between, 0 to 1000, e.g. \"trade talks\"~3", 5},
      {"\"a b\"~5000",
       "'~' after a phrase takes the number of words allowed in between, 0 to 1000, e.g. \"trade talks\"~3", 5},
      {"x titel:(a OR b)", "unknown field 'titel' \xE2\x80\x94 did you mean 'title'?", 2},
      {"date:(2025 OR 2025-13)",
       "invalid date '2025-13': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, "
       "today, yesterday",
       14},
      {"title:,*", "'title:,*' has no letters or digits before the '*'", 6},
      {"x title:US-China*",
       "a prefix search takes one word, but 'US-China' is 2 words; quote the words before it or drop the '*'", 8},
      {"after:2025*", "'after:' expects a date like after:2025-09-17, not a prefix", 6},
      {"titel:x*", "unknown field 'titel' \xE2\x80\x94 did you mean 'title'?", 0},
  };
  for (const Err& r : rows) {
    INFO("query: " << r.query);
    auto q = CompileQuery(r.query, **analyzer);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == StatusCode::kQuerySyntax);
    CHECK(q.status().message() == r.message);
    CHECK(q.status().offset() == r.offset);
  }
}

TEST_CASE("pathological queries are refused or answered, never crash") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  std::string deep = std::string(10000, '(') + "a" + std::string(10000, ')');
  auto q1 = CompileQuery(deep, **analyzer);
  REQUIRE_FALSE(q1.ok());
  CHECK(q1.status().message() == "query is nested more than 100 parentheses deep");

  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "NOT ";
  auto q2 = CompileQuery(nots + "a", **analyzer);
  REQUIRE_FALSE(q2.ok());
  CHECK(q2.status().message() == "query is too deeply nested to parse");
  // Shorter chains the parser takes are still bounded, with an error, not by
  // the engine at search time.
  auto q2b = CompileQuery(std::string(300, '-') + "a", **analyzer);
  REQUIRE_FALSE(q2b.ok());
  CHECK(q2b.status().message() == "query nests operators more than 200 deep (NOT, -, + and groups)");
  CHECK(CompileQuery(std::string(199, '-') + "a", **analyzer).ok());
  std::string alternating = "a";  // 100 parentheses, each adding an operator level
  for (int i = 0; i < 100; ++i)
    alternating = "(x" + std::to_string(i) + (i % 2 ? " OR " : " AND -") + alternating + ")";
  CHECK(CompileQuery(alternating, **analyzer).ok());

  std::string ors = "a";
  for (int i = 0; i < 10000; ++i) ors += std::string(" OR ") + char('a' + i % 26) + char('a' + i / 26 % 26);
  auto q3 = CompileQuery(ors, **analyzer);
  REQUIRE(q3.ok());
  // Each bare term searches four fields; the 10,001 words are 677 different
  // ones (a, and aa to zz), each searched once.
  CHECK(q3->children().size() == 677 * 4);

  // 36 prefixes pasted 32 times over (6.9 KB): planned as the 36, once each.
  std::string pasted, once;
  for (int i = 0; i < 36; ++i) once += std::string(1, char('a' + i % 26)) + char('a' + i / 26) + "* ";
  for (int r = 0; r < 32; ++r) pasted += once;
  auto q9 = CompileQuery(pasted, **analyzer);
  REQUIRE(q9.ok());
  CHECK(q9->children().size() == 36);
  size_t prefixes = 0;
  std::function<void(const Query&)> count = [&](const Query& q) {
    prefixes += q.kind() == Query::Kind::kPrefix;
    for (const Query& c : q.children()) count(c);
  };
  count(*q9);
  CHECK(prefixes == 36 * 4);

  std::string huge(70000, 'x');
  auto q4 = CompileQuery(huge, **analyzer);
  REQUIRE_FALSE(q4.ok());
  CHECK(q4.status().offset() == kMaxQueryBytes);

  auto q5 = CompileQuery(std::string("tariff\xFF\xC3", 8), **analyzer);
  CHECK(q5.ok());

  // A 1 MB query: refused at once, pointing at the limit, in both modes.
  std::string mb(1 << 20, 'a');
  for (size_t i = 7; i < mb.size(); i += 8) mb[i] = ' ';
  for (bool lenient : {false, true}) {
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(mb, **analyzer, {.now = {}, .lenient = lenient, .diagnostics = &diags});
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == "query is 1048576 bytes; the limit is 65536");
    REQUIRE(diags.size() == 1);
  }

  // Invalid UTF-8 anywhere: truncated sequences, overlongs, surrogates, stray
  // continuation bytes; in words, phrases, field values and dates.
  for (const char* bad : {"\xC3", "\xE2\x80", "\xF0\x9F\x98", "\xC0\xAF", "\xED\xA0\x80", "\x80\x80", "\"\xFF\xFE\"",
                          "actor:\xFF", "before:2025-\xFF", "\xE2\x80\x9C\xFF", "(\xFF OR \xC3)"}) {
    INFO("query bytes: " << bad);
    for (bool lenient : {false, true}) {
      std::vector<Diagnostic> diags;
      auto q = CompileQuery(bad, **analyzer, {.now = {}, .lenient = lenient, .diagnostics = &diags});
      if (!q.ok()) CHECK(q.status().code() == StatusCode::kQuerySyntax);
      for (const Diagnostic& d : diags) CHECK(d.offset + d.length <= std::string(bad).size());
    }
  }

  // Lenient mode on hostile input ends, repairing at most 64 faults.
  std::string ands;
  for (int i = 0; i < 10000; ++i) ands += "AND ";
  std::vector<Diagnostic> diags;
  auto q6 = CompileQuery(ands + "tariffs", **analyzer, {.now = {}, .lenient = true, .diagnostics = &diags});
  CHECK_FALSE(q6.ok());
  CHECK(diags.size() == 65);
  auto q7 = CompileQuery(std::string(90, '(') + "tariffs", **analyzer, {.now = {}, .lenient = true});
  CHECK(q7.ok());  // closed in one repair
  auto q8 = CompileQuery(std::string(10000, '"'), **analyzer, {.now = {}, .lenient = true});
  CHECK_FALSE(q8.ok());  // only empty phrases: nothing to search

  // Found by fuzzing: a comparison with no date at the very end gave a
  // diagnostic one byte past the query. Every span stays inside the query.
  for (const char* found : {"a ()Z anOR date:< OR date:", "date:<", "date:>=", "x date:<="}) {
    INFO("query: " << found);
    for (bool lenient : {false, true}) {
      std::vector<Diagnostic> all;
      (void)CompileQuery(found, **analyzer, {.now = {}, .lenient = lenient, .diagnostics = &all});
      const size_t size = std::string(found).size();
      for (const Diagnostic& d : all) {
        CHECK(d.offset + d.length <= size);
        CHECK(d.fix_offset + d.fix_length <= size);
      }
    }
  }
  auto cmp = CompileQuery("date:<", **analyzer);
  REQUIRE_FALSE(cmp.ok());
  CHECK(cmp.status().message() == "'<' needs a date after it, e.g. date:<2025-09-01");
  CHECK(cmp.status().offset() == 5);
  CHECK(cmp.status().length() == 1);
}

TEST_CASE("relative dates count back from a settable now and are reported resolved") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  struct Row {
    const char* now;
    const char* query;
    const char* tree;
  };
  const Row rows[] = {
      {"2025-09-20", "since:7d", "date:[2025-09-13..]"},
      {"2025-09-20", "before:yesterday", "date:[..2025-09-18]"},
      {"2025-09-20", "on:today", "date:[2025-09-20..2025-09-20]"},
      {"2025-09-20", "date:1m..today", "date:[2025-08-20..2025-09-20]"},
      {"2025-09-20", "since:1y", "date:[2024-09-20..]"},
      {"2025-09-20", "date:>=2w", "date:[2025-09-06..]"},
      {"2025-09-20", "until:3m", "date:[..2025-06-20]"},
      {"2025-03-31", "since:1m", "date:[2025-02-28..]"},  // day clamped to the month
      {"2024-02-29", "since:1y", "date:[2023-02-28..]"},  // and to a non-leap February
      {"2025-01-15", "since:1m", "date:[2024-12-15..]"},  // across a year
      {"2025-09-20", "tariffs since:2d",
       "(AND (OR title:tariff body:tariff actor:tariffs topic:tariff) date:[2025-09-18..])"},
  };
  for (const Row& r : rows) {
    INFO("now " << r.now << " query " << r.query);
    Days now;
    REQUIRE(ParseIsoDate(r.now, &now));
    std::vector<std::string> resolved;
    auto q = CompileQuery(r.query, **analyzer, {.now = now, .resolved = &resolved});
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.tree);
    CHECK_FALSE(resolved.empty());
  }
  Days now;
  REQUIRE(ParseIsoDate("2025-09-20", &now));
  std::vector<std::string> resolved;
  REQUIRE(CompileQuery("date:7d..yesterday", **analyzer, {.now = now, .resolved = &resolved}).ok());
  CHECK(resolved == std::vector<std::string>{"7d = 2025-09-13", "yesterday = 2025-09-19"});
  for (const char* bad : {"since:7x", "since:d", "since:1234567d", "since:99999y"}) {
    INFO(bad);
    auto q = CompileQuery(bad, **analyzer, {.now = now});
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message().rfind("invalid date", 0) == 0);
    CHECK(q.status().offset() == 6);
  }
}

TEST_CASE("sort: tokens set the order and leave the query") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  struct Row {
    const char* query;
    SortOrder order;
    const char* tree;
  };
  const Row rows[] = {
      {"title:x sort:date", SortOrder::kDateAscending, "title:x"},
      {"sort:-date title:x title:y", SortOrder::kDateDescending, "(AND title:x title:y)"},
      {"title:x SORT:relevance", SortOrder::kRelevance, "title:x"},
      {"* sort:-date", SortOrder::kDateDescending, "*"},
  };
  for (const Row& r : rows) {
    INFO(r.query);
    SortOrder order = r.order == SortOrder::kRelevance ? SortOrder::kDateAscending : SortOrder::kRelevance;
    auto q = CompileQuery(r.query, **analyzer, {.now = std::nullopt, .resolved = nullptr, .sort = &order});
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.tree);
    CHECK(order == r.order);
  }
  SortOrder untouched = SortOrder::kDateDescending;
  REQUIRE(CompileQuery("title:x", **analyzer, {.now = std::nullopt, .resolved = nullptr, .sort = &untouched}).ok());
  CHECK(untouched == SortOrder::kDateDescending);
  const Err errs[] = {
      {"sort:date", "sort: orders what a query finds; add what to search for, or * for everything", 0},
      {"x sort:dates", "sort: takes date (oldest first), -date (newest first) or relevance", 7},
      {"x sort:date sort:-date", "the query has two sort: orders; keep one", 12},
      {"x OR sort:date",
       "sort: must stand on its own at the top level of the query (not inside OR, NOT or parentheses), e.g. "
       "tariffs sort:-date",
       5},
  };
  for (const Err& r : errs) {
    INFO(r.query);
    auto q = CompileQuery(r.query, **analyzer);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == r.message);
    CHECK(q.status().offset() == r.offset);
  }
}

namespace {

// The query with the diagnostic's fix-it applied.
std::string ApplyFix(std::string q, const Diagnostic& d) { return q.replace(d.fix_offset, d.fix_length, d.fix_text); }

struct Fix {
  const char* query;
  const char* fixed;  // the query with the error's fix-it applied; nullptr: no fix-it
};

struct Lenient {
  const char* query;
  const char* reading;  // what lenient mode compiles
  size_t repairs;       // errors repaired (reported as warnings)
};

}  // namespace

TEST_CASE("every error with an obvious repair carries it as a fix-it") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const Fix rows[] = {
      // Lexer.
      {"\"trade talks", "\"trade talks\""},
      {"tariffs^", "tariffs"},
      {"^2 tariffs", " tariffs"},
      {"tariffs^5000", "tariffs"},
      {"\"trade talks\"~x", "\"trade talks\""},
      {"\"trade talks\"^x", "\"trade talks\""},
      {"a NEAR/0 b", "a NEAR/1 b"},
      {"a NEAR/5000 b", "a NEAR/1000 b"},
      {"a ADJ/x b", "a ADJ/10 b"},
      {"before: 2025-09-17", "before:2025-09-17"},
      {"actor:   Bessent", "actor:Bessent"},
      {"tariffs actor:", "tariffs "},
      {"(actor: )", "( )"},
      // Parser.
      {"(a", "(a)"},
      {"((a", "((a))"},
      {"a)", "a"},
      {"()", ""},
      {"a ()", "a "},
      {"a OR", "a "},
      {"OR a", " a"},
      {"a AND OR b", "a  OR b"},
      {"(a AND)", "(a )"},
      {"NEAR/3 a", " a"},
      {"title:(a author:b)", "title:(a b)"},
      // Planner.
      {"acter:Bessent", "actor:Bessent"},
      {"topics:tariffs", "topic:tariffs"},
      {"befor:2025", "before:2025"},
      {"body:tariffs", "tariffs"},
      {"tariffs before:2025-13-40", "tariffs "},
      {"tariffs date:2025-09..2025-01", "tariffs "},
      {"tariffs before:>2025", "tariffs "},
      {"tarrifs~3", "tarrifs~2"},
      {"\"trade talks\"* x", "\"trade talks\"* x"},
      {"ta*ff*", "taff*"},
      {"tariffs sort:size", "tariffs "},
      {"tariffs sort:date sort:-date", "tariffs sort:date "},
      {"tariffs (sort:date OR x)", "tariffs ( OR x)"},
      {"\"trade talks\" NEAR/3 x", "\"trade talks\"  x"},
      {"title:a NEAR/3 b", "title:a  b"},
      // No repair.
      {"", nullptr},
      {"sort:date", nullptr},
      {"!!!", nullptr},
  };
  for (const Fix& r : rows) {
    INFO("query: " << r.query);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(r.query, **analyzer, {.now = Days{20000}, .diagnostics = &diags});
    if (std::string(r.query) == "\"trade talks\"* x") {
      // Not an error: '*' after a phrase is read as text. Kept as a guard.
      CHECK(q.ok());
      continue;
    }
    REQUIRE_FALSE(q.ok());
    REQUIRE_FALSE(diags.empty());
    Diagnostic d = Diagnostic::From(q.status());
    // The status is the first error found; it is among the diagnostics.
    CHECK(std::any_of(diags.begin(), diags.end(), [&](const Diagnostic& x) {
      return x.severity == Diagnostic::Severity::kError && x.message == d.message && x.offset == d.offset;
    }));
    CHECK(d.has_fix == (r.fixed != nullptr));
    if (r.fixed) CHECK(ApplyFix(r.query, d) == r.fixed);
  }
}

TEST_CASE("lenient mode runs the best reading and reports each repair") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const Lenient rows[] = {
      {"acter:Bessent AND topic:tariffs", "actor:Bessent AND topic:tariffs", 1},
      {"\"trade talks", "\"trade talks\"", 1},
      {"(tariffs AND", "(tariffs)", 2},
      {"tariffs AND", "tariffs", 1},
      {"before: 2025-09-17 tariffs", "before:2025-09-17 tariffs", 1},
      {"tariffs before:2025-13-40", "tariffs", 1},
      {"AND OR tariffs", "tariffs", 2},
      {"() tariffs", "tariffs", 1},
      {"tariffs)", "tariffs", 1},
      {"tariffs NEAR/0 china", "tariffs NEAR/1 china", 1},
      {"tariffs^0 china", "tariffs china", 1},
      {"acter:Bessent topix:tariffs befor:2025-09-17", "actor:Bessent topic:tariffs before:2025-09-17", 3},
      {"actor:Bessent AND topic:tariffs before:2025-09-17", "actor:Bessent AND topic:tariffs before:2025-09-17", 0},
  };
  for (const Lenient& r : rows) {
    INFO("query: " << r.query);
    std::vector<Diagnostic> diags;
    std::string reading;
    auto q = CompileQuery(r.query, **analyzer,
                          {.now = Days{20000}, .lenient = true, .diagnostics = &diags, .reading = &reading});
    REQUIRE(q.ok());
    CHECK(reading == r.reading);
    CHECK(diags.size() == r.repairs);
    for (const Diagnostic& d : diags) {
      CHECK(d.severity == Diagnostic::Severity::kWarning);
      CHECK(d.offset + d.length <= std::string(r.query).size());
    }
    // The repaired query means what the reading means in strict mode.
    auto strict = CompileQuery(reading, **analyzer, {.now = Days{20000}});
    REQUIRE(strict.ok());
    CHECK(q->ToString() == strict->ToString());
  }
  // The same diagnostics as strict mode, as warnings, at offsets of the text given.
  std::vector<Diagnostic> strict_diags, lenient_diags;
  (void)CompileQuery("tariffs acter:Bessent", **analyzer, {.now = {}, .diagnostics = &strict_diags});
  REQUIRE(CompileQuery("tariffs acter:Bessent", **analyzer, {.now = {}, .lenient = true, .diagnostics = &lenient_diags})
              .ok());
  REQUIRE(strict_diags.size() == 1);
  REQUIRE(lenient_diags.size() == 1);
  CHECK(lenient_diags[0].message == strict_diags[0].message);
  CHECK(lenient_diags[0].offset == 8);
  CHECK(lenient_diags[0].length == 5);
  CHECK(lenient_diags[0].fix_text == "actor");
  // Strict mode reports every error, not only the first.
  std::vector<Diagnostic> all;
  auto rejected =
      CompileQuery("acter:Bessent AND topix:tariffs befor: 2025-09-17", **analyzer, {.now = {}, .diagnostics = &all});
  REQUIRE_FALSE(rejected.ok());
  REQUIRE(all.size() == 4);  // acter, topix, the space after befor:, befor
  CHECK(all[0].offset == 0);
  CHECK(all[1].offset == 18);
  CHECK(all[2].offset == 32);
  CHECK(all[3].offset == 32);
  for (const Diagnostic& d : all) CHECK(d.severity == Diagnostic::Severity::kError);
  CHECK(rejected.status().offset() == 32);  // the lexer finds `befor: ` first
  // What cannot be repaired is still an error, offsets in the original text.
  for (const char* bad : {"", "(((((", "sort:date", "!!! ???", "a AND"}) {
    INFO("query: " << bad);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(bad, **analyzer, {.now = {}, .lenient = true, .diagnostics = &diags});
    if (std::string(bad) == "a AND") {
      CHECK(q.ok());
      continue;
    }
    REQUIRE_FALSE(q.ok());
    REQUIRE_FALSE(diags.empty());
    CHECK(diags.back().severity == Diagnostic::Severity::kError);
    CHECK(q.status().offset() <= std::string(bad).size());
  }
}

TEST_CASE("warnings flag queries that parse but likely mean something else") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  struct Row {
    const char* query;
    const char* message;  // "" for no warning
    const char* fixed;
  };
  const Row rows[] = {
      {"tariffs or duties", "'or' is searched as a word; operators are upper case: write OR", "tariffs OR duties"},
      {"tariffs and duties", "'and' is searched as a word; operators are upper case: write AND", "tariffs AND duties"},
      {"- china tariffs", "'-' followed by a space is not a negation; write -china to exclude it", "-china tariffs"},
      {"rock and roll", "'and' is searched as a word; operators are upper case: write AND", "rock AND roll"},
      {"\"rock and roll\"", "", ""},
      {"title:or duties", "", ""},
      {"or tariffs", "", ""},
      {"tariffs OR duties", "", ""},
  };
  for (const Row& r : rows) {
    INFO("query: " << r.query);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(r.query, **analyzer, {.now = {}, .diagnostics = &diags});
    CHECK(q.ok());  // warnings never reject
    if (*r.message == 0) {
      CHECK(diags.empty());
      continue;
    }
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].severity == Diagnostic::Severity::kWarning);
    CHECK(diags[0].message == r.message);
    CHECK(ApplyFix(r.query, diags[0]) == r.fixed);
  }
}

TEST_CASE("every unknown name: is reported; URLs, times and other colons stay text; from: and subject: are aliases") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const std::string fields =
      " (fields: title, author, actor, topic, mentions; dates: before, after, on, date, since, until)";
  struct Row {
    const char* query;
    const char* name;  // the unknown name, at `offset`
    size_t offset;
    const char* reading;  // what --lenient runs: the value as text
  };
  const Row rows[] = {
      {"party:Republican", "party", 0, "Republican"},
      {"tariffs party:Republican", "party", 8, "tariffs Republican"},
      {"Party:\"Grand Old\"", "Party", 0, "\"Grand Old\""},
      {"party:(Republican OR Democrat)", "party", 0, "(Republican OR Democrat)"},
      {"note:x", "note", 0, "x"},
      {"in:x", "in", 0, "x"},
      {"a:b", "a", 0, "b"},
      {"port:8080", "port", 0, "8080"},
      {"to:damien tariffs", "to", 0, "damien tariffs"},
      {"x:12:30", "x", 0, "12:30"},
  };
  for (const Row& r : rows) {
    INFO("query: " << r.query);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(r.query, **analyzer, {.now = {}, .diagnostics = &diags});
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == "unknown field '" + std::string(r.name) + "'" + fields);
    CHECK(q.status().offset() == r.offset);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].severity == Diagnostic::Severity::kError);
    CHECK(diags[0].fix_offset == r.offset);  // the fix-it drops `name:`
    CHECK(diags[0].fix_length == std::string(r.name).size() + 1);
    CHECK(diags[0].fix_text.empty());
    std::vector<Diagnostic> warnings;
    std::string reading;
    auto l =
        CompileQuery(r.query, **analyzer, {.now = {}, .lenient = true, .diagnostics = &warnings, .reading = &reading});
    REQUIRE(l.ok());
    CHECK(reading == r.reading);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].severity == Diagnostic::Severity::kWarning);
    CHECK(warnings[0].message == q.status().message());
  }
  // A typo of a field, an alias or a date key (four letters or more, the same
  // first letter) is named; other names are not renamed to a key.
  for (auto [query, near] : {std::pair{"subjet:x", "subject"}, {"frrom:x", "from"}, {"data:x", "date"}}) {
    INFO("query: " << query);
    auto q = CompileQuery(query, **analyzer, {.now = {}});
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message().find(std::string("did you mean '") + near + "'?") != std::string::npos);
  }
  // Not names: times, URLs, names with digits, names without a value, `::`.
  for (const char* text : {"12:30", "https://example.com", "http://x", "file:///tmp/x", "Q3:results", "Breaking: news",
                           "std::vector", "C:\\Users"}) {
    INFO("query: " << text);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(text, **analyzer, {.now = {}, .diagnostics = &diags});
    CHECK(q.ok());
    CHECK(diags.empty());
  }
  {
    auto q = CompileQuery("from: Whitcombe", **analyzer, {.now = {}});
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == "'from:' expects a value right after the colon, e.g. from:Smith");
  }
  // Aliases that mail users type: from: is author:, subject: is title:.
  for (auto [alias, field] : {std::pair{"from:damien", "author:damien"},
                              {"From:\"Dana Whitcombe\"", "author:\"Dana Whitcombe\""},
                              {"subject:tariffs", "title:tariffs"},
                              {"SUBJECT:(truce OR tariffs)", "title:(truce OR tariffs)"},
                              {"subject:tarif*", "title:tarif*"},
                              {"from:damien NEAR/2 author:smith", "author:damien NEAR/2 author:smith"}}) {
    INFO("query: " << alias);
    auto a = CompileQuery(alias, **analyzer, {.now = {}});
    auto f = CompileQuery(field, **analyzer, {.now = {}});
    REQUIRE(a.ok());
    REQUIRE(f.ok());
    CHECK(a->ToString() == f->ToString());
  }
}

TEST_CASE("words are stemmed in each stemming language; lang: picks one") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  PlanOptions two;
  two.stemming_languages = {"english", "french"};
  struct Row {
    const char* query;
    const char* plan;
  };
  const Row rows[] = {
      // Distinct stems are alternatives; equal ones stay one term.
      {"title:n\xC3\xA9gociations", "(OR title:n\xC3\xA9gociat title:n\xC3\xA9goci)"},
      {"title:tariffs", "title:tariff"},
      {"actor:Trump", "actor:trump"},  // names are not stemmed
      {"title:\"trade talks\"", "(OR title:\"trade talk\" title:\"trad talk\")"},
      {"title:trade~1", "(OR title:trade~1 title:trad~1)"},
      {"title:trading*", "title:trading*"},  // prefixes match the words as written, in any language
      {"title:trade lang:fr", "title:trad"},
      {"lang:en-GB title:trade", "title:trade"},
      {"title:trade lang:zh", "title:trade"},  // no stemmer: as English
      {"title:trade lang:french sort:date", "title:trad"},
  };
  for (const Row& r : rows) {
    INFO("query: " << r.query);
    auto q = CompileQuery(r.query, **analyzer, two);
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.plan);
    CHECK((*analyzer)->stemmer_language() == "english");  // left as it was
  }
  // Without languages, the analyzer's own stemmer.
  auto one = CompileQuery("title:n\xC3\xA9gociations", **analyzer);
  REQUIRE(one.ok());
  CHECK(one->ToString() == "title:n\xC3\xA9gociat");

  const Err errors[] = {
      {"tarifs lang:frnch",
       "unknown language 'frnch' \xE2\x80\x94 did you mean 'french'? (lang: takes a language code or name with a "
       "stemmer: arabic, armenian, basque, catalan, danish, dutch, english, finnish, french, german, greek, hindi, "
       "hungarian, indonesian, irish, italian, lithuanian, nepali, norwegian, portuguese, romanian, russian, serbian, "
       "spanish, swedish, tamil, turkish, yiddish; e.g. lang:fr, lang:de-AT, lang:english)",
       12},
      {"lang:fr", "lang: sets the language query words are stemmed in; add what to search for, e.g. tarifs lang:fr", 0},
      {"a lang:fr lang:de", "the query has two lang: languages; keep one", 10},
      {"a OR lang:fr",
       "lang: must stand on its own at the top level of the query (not inside OR, NOT or parentheses), e.g. tarifs "
       "lang:fr",
       5},
  };
  for (const Err& e : errors) {
    INFO("query: " << e.query);
    auto q = CompileQuery(e.query, **analyzer, two);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == e.message);
    CHECK(q.status().offset() == e.offset);
  }
  // Lenient mode takes the suggested language.
  std::string reading;
  auto fixed = CompileQuery("title:trade lang:frnch", **analyzer, {.now = {}, .lenient = true, .reading = &reading});
  REQUIRE(fixed.ok());
  CHECK(reading == "title:trade lang:french");
  CHECK(fixed->ToString() == "title:trad");
}
