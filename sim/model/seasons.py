"""The seasons of arrivals: the Spring Festival, typhoons and summer.

Each day every grid's rate of each kind of case is multiplied by a seasonal factor:

- **Labour disputes** follow the festival (r2, estimates with ranges): wage arrears raise them from
  ``wage_arrears_window_days`` before it to a week before (``wage_arrears_factor``), they fall in
  the festival fortnight while firms are closed (``festival_labour_factor``), and rise again for
  three weeks after it as workers change jobs (``post_festival_labour_factor``).
- **Migrants go home**: from ``spring_festival_leave_days`` before the festival to
  ``spring_festival_return_days`` after it a share of them is away (rising, then falling,
  evenly), and the disputes and requests a grid's migrants would be party to fall with them
  (labour disputes have their own festival dip instead).
- **Public-service requests** dip in the festival week and rise in July and August.
- **Typhoons** (Poisson, ``typhoons_per_year``, in the months they come) raise public-service
  requests and property matters for ``typhoon_days``; drawn once per run from their own stream.

Profiles are normalised within each calendar year, so each year's total is the annual rate:
the seasons move cases through the year, they do not add any (a year with more typhoons than
the mean has its requests drawn towards its typhoon days, not more of them).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sim.config.calendar import SPRING_FESTIVAL, parse_date
from sim.config.enums import CaseKind
from sim.config.params import Params

# Share of the typhoons affecting Quanzhou in each month (r2: June 8 %, July 22 %, August 30 %,
# September 22 %, October 12 %, the other seven months 6 % between them).
TYPHOON_MONTH_SHARE = np.array([0.06 / 7] * 5 + [0.08, 0.22, 0.30, 0.22, 0.12] + [0.06 / 7] * 2)
AWAY_EXEMPT = (CaseKind.LABOUR,)  # labour disputes' festival dip is in their own profile


class Seasons:
    def __init__(self, params: Params, migrant_party_share: np.ndarray, rng: np.random.Generator,
                 first_day: int, last_day: int):
        """Factors for days ``first_day`` .. ``last_day − 1`` of the run (day 0 is ``start_date``);
        ``migrant_party_share``: per grid, the share of its cases whose party is a migrant."""
        start = parse_date(params["start_date"])
        first_date, last_date = start + timedelta(days=first_day), start + timedelta(days=last_day - 1)
        origin = date(first_date.year, 1, 1)  # whole calendar years, so that each normalises exactly
        dates = [origin + timedelta(days=i) for i in range((date(last_date.year + 1, 1, 1) - origin).days)]
        self.offset = (start - origin).days  # index of day 0
        self.years = np.array([d.year for d in dates])
        profile = np.ones((len(dates), len(CaseKind)))
        to_festival = np.array([_days_to_festival(d) for d in dates])  # the festival's day minus this day
        since = -to_festival
        labour = profile[:, CaseKind.LABOUR]
        labour[(to_festival <= params["wage_arrears_window_days"]) & (to_festival >= 8)] = params["wage_arrears_factor"]
        labour[np.abs(since) <= 7] = params["festival_labour_factor"]
        labour[(since >= 8) & (since <= 30)] = params["post_festival_labour_factor"]
        requests = profile[:, CaseKind.PUBLIC_SERVICE]
        requests[np.isin([d.month for d in dates], (7, 8))] = params["summer_request_factor"]
        requests[(since >= -3) & (since <= 4)] = params["festival_request_factor"]
        away = np.zeros(len(dates))
        share, leave, back = (params["spring_festival_away_share"], params["spring_festival_leave_days"],
                              params["spring_festival_return_days"])
        leaving = (to_festival > 0) & (to_festival <= leave)
        away[leaving] = share * (leave + 1 - to_festival[leaving]) / leave
        returning = (since >= 0) & (since < back)
        away[returning] = share * (1.0 - since[returning] / back)
        self.typhoon = np.zeros(len(dates), dtype=bool)
        length = params["typhoon_days"]
        for year in range(first_date.year, last_date.year + 1):
            for day in _typhoon_starts(year, params["typhoons_per_year"], rng):
                i = (day - origin).days
                self.typhoon[i:i + length] = True
        for kind in (CaseKind.PUBLIC_SERVICE, CaseKind.PROPERTY):
            profile[self.typhoon, kind] *= params["typhoon_request_factor"]
        self.profile, self.away = profile, away
        self.exposed = np.array([0.0 if kind in AWAY_EXEMPT else 1.0 for kind in CaseKind])
        self.migrant_party_share = np.asarray(migrant_party_share, dtype=float)[:, None]
        # Per calendar year: the mean of profile × (1 − away × exposed × μ) is S1 − μ × S2, per grid and kind.
        self._means: dict[int, np.ndarray] = {}
        for year in np.unique(self.years):
            days = self.years == year
            s1, s2 = profile[days].mean(axis=0), (profile[days] * away[days, None]).mean(axis=0) * self.exposed
            self._means[int(year)] = s1 - self.migrant_party_share * s2
        self._present: dict[float, np.ndarray] = {}  # 1 − away × exposed × μ, per share away (0 on most days)

    def factor(self, day: int) -> np.ndarray:
        """Seasonal factor of each grid's rate of each kind on ``day``: shape (grids, kinds)."""
        i = self.offset + day
        away = float(self.away[i])
        present = self._present.get(away)
        if present is None:
            present = self._present[away] = 1.0 - away * self.exposed * self.migrant_party_share
        return self.profile[i] * present / self._means[int(self.years[i])]

    def typhoon_on(self, day: int) -> bool:
        return bool(self.typhoon[self.offset + day])


def _days_to_festival(day: date) -> int:
    """Days from ``day`` to the nearest Spring Festival (negative once it has passed)."""
    candidates = [SPRING_FESTIVAL[y] for y in (day.year - 1, day.year, day.year + 1) if y in SPRING_FESTIVAL]
    return min(((festival - day).days for festival in candidates), key=abs)


def _typhoon_starts(year: int, per_year: float, rng: np.random.Generator) -> list[date]:
    """The days typhoons reach Shishi in ``year``: a Poisson count, each in a month drawn by its
    share, on a uniform day of it."""
    starts = []
    for month in rng.choice(12, size=int(rng.poisson(per_year)), p=TYPHOON_MONTH_SHARE):
        first = date(year, int(month) + 1, 1)
        days_in_month = ((first + timedelta(days=32)).replace(day=1) - first).days
        starts.append(first + timedelta(days=int(rng.integers(days_in_month))))
    return starts
