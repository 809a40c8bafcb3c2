"""One seed per run, split into independent streams (``SeedSequence.spawn``).

- world: arrivals, severities, parties, surfacing clocks — what happens, whatever policy does;
- handling: each case's own uniforms for handling times, success, follow-up;
- population: residents' attributes;
- seasons: the days typhoons come;
- referrals: court referrals and their own handling uniforms (so their rate never shifts the
  world's or the handling stream's draws);
- mesa: the seed handed to Mesa (its ``random`` and ``rng``, used by the space).
Same seed, same streams, whatever process or machine draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Streams:
    world: np.random.Generator
    handling: np.random.Generator
    population: np.random.Generator
    mesa_seed: int
    seasons: np.random.Generator
    referrals: np.random.Generator


def streams_for(seed: int) -> Streams:
    world, handling, population, mesa, seasons, referrals = np.random.SeedSequence(seed).spawn(6)
    return Streams(np.random.default_rng(world), np.random.default_rng(handling),
                   np.random.default_rng(population), int(mesa.generate_state(1)[0]), np.random.default_rng(seasons),
                   np.random.default_rng(referrals))
