// Calendar arithmetic on Days (loupe/document.h) for the engine, the query
// planner and the corpus readers: date facet buckets, relative dates and date
// ranges, and header dates. Not installed: a program makes and reads Days with
// ParseIsoDate and FormatIsoDate (loupe/document.h).
//
// Thread-safety: pure functions.
#ifndef LOUPE_UTIL_CALENDAR_H_
#define LOUPE_UTIL_CALENDAR_H_

#include "loupe/document.h"

namespace loupe {

// Days for a valid civil date (no range check on the arguments beyond month/day validity).
Days DaysFromCivil(int year, unsigned month, unsigned day);
// The civil date (year, month 1-12, day 1-31) of a day; the inverse of DaysFromCivil.
void CivilFromDays(Days days, int* year, unsigned* month, unsigned* day);
// Number of days in the month, taking leap years into account.
unsigned DaysInMonth(int year, unsigned month);

}  // namespace loupe

#endif  // LOUPE_UTIL_CALENDAR_H_
