"""Trust that acts: residents' readiness to report and to stay in the system follows what their
community has recently seen of it.

A party's own trust moves with their cases (a failed attempt, the follow-up). Word of mouth
carries further: each community keeps its recent experience of the grid system, the share of
its residents' closed cases that ended well (satisfied at closing; a party who left for a court,
arbitration or a petition counts as not), exponentially weighted over ``reputation_memory_days``
and starting at ``reputation_reference`` (Shishi today). Every resident's trust is read through
the community's factor ``1 + reputation_elasticity × (share − reference)`` (kept in [0, 2]):
when service worsens, reporting falls and exits rise within months, everywhere in the
community, not only for the parties themselves.
"""

from __future__ import annotations

import math

import numpy as np

from sim.config.params import Params


class Reputation:
    def __init__(self, communities: int, params: Params):
        self.reference = params["reputation_reference"]
        self.elasticity = params["reputation_elasticity"]
        self.prior = params["reputation_prior_cases"]  # pseudo-cases at the reference: small communities swing less
        self.decay = math.exp(-1.0 / params["reputation_memory_days"])
        self.good = np.zeros(communities)  # decayed count of good experiences
        self.seen = np.zeros(communities)  # decayed count of experiences
        self.factor = np.ones(communities)

    def record(self, community: int, good: bool) -> None:
        self.good[community] += good
        self.seen[community] += 1.0

    def end_day(self) -> np.ndarray:
        """Forget a day's worth and return each community's factor on trust."""
        self.good *= self.decay
        self.seen *= self.decay
        self.factor = np.clip(1.0 + self.elasticity * (self.share() - self.reference), 0.0, 2.0)
        return self.factor

    def share(self) -> np.ndarray:
        """Each community's recent share of good experiences."""
        return (self.good + self.prior * self.reference) / (self.seen + self.prior)
