"""One seed per run, split into independent streams (``SeedSequence.spawn``).

- world: arrivals, severities, parties, surfacing clocks — what happens, whatever policy does;
- handling: each case's own uniforms for handling times, success, follow-up;
- population: residents' attributes;
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


def streams_for(seed: int) -> Streams:
    world, handling, population, mesa = np.random.SeedSequence(seed).spawn(4)
    return Streams(np.random.default_rng(world), np.random.default_rng(handling),
                   np.random.default_rng(population), int(mesa.generate_state(1)[0]))
