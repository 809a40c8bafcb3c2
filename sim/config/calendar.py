"""The model's calendar: day 0 is ``start_date``; the Spring Festival (正月初一) falls on a
different day each year.

Dates of the Spring Festival, 2000–2040, from the Chinese calendar (Purple Mountain Observatory's
almanac; 2023–2027 checked with the ``lunardate`` library, docs/sources.md).
"""

from __future__ import annotations

from datetime import date, timedelta

SPRING_FESTIVAL: dict[int, date] = {year: date(year, month, day) for year, month, day in (
    (2000, 2, 5), (2001, 1, 24), (2002, 2, 12), (2003, 2, 1), (2004, 1, 22), (2005, 2, 9), (2006, 1, 29),
    (2007, 2, 18), (2008, 2, 7), (2009, 1, 26), (2010, 2, 14), (2011, 2, 3), (2012, 1, 23), (2013, 2, 10),
    (2014, 1, 31), (2015, 2, 19), (2016, 2, 8), (2017, 1, 28), (2018, 2, 16), (2019, 2, 5), (2020, 1, 25),
    (2021, 2, 12), (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17), (2027, 2, 6),
    (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23), (2032, 2, 11), (2033, 1, 31), (2034, 2, 19),
    (2035, 2, 8), (2036, 1, 28), (2037, 2, 15), (2038, 2, 4), (2039, 1, 24), (2040, 2, 12))}
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2040, 12, 31)


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date, or ValueError saying what was expected."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def check_span(start: date, first_day: int, last_day: int) -> None:
    """Raise ValueError unless days ``first_day``..``last_day`` from ``start`` lie in the calendar."""
    first, last = start + timedelta(days=first_day), start + timedelta(days=last_day)
    if first < FIRST_DATE or last > LAST_DATE:
        raise ValueError(f"the run (with its warm-up) spans {first} to {last}; the calendar covers "
                         f"{FIRST_DATE} to {LAST_DATE}")


def nearest_spring_festival(day: date) -> date:
    """The Spring Festival closest to ``day`` (the one whose season it is in)."""
    candidates = [SPRING_FESTIVAL[year] for year in (day.year - 1, day.year, day.year + 1) if year in SPRING_FESTIVAL]
    return min(candidates, key=lambda festival: abs((festival - day).days))
