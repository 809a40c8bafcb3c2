"""Closed-form queueing results the simulation must reproduce (M/M/c: Erlang C and the mean wait)."""

from __future__ import annotations

import math


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """P(an arrival waits) in an M/M/c queue (Erlang C). Needs offered load a = λ/μ < c."""
    a = arrival_rate / service_rate
    if a >= servers:
        raise ValueError(f"unstable queue: offered load {a:g} ≥ {servers} servers")
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    return top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue W_q = P(wait) / (cμ − λ), in the rates' time unit."""
    return erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)


def servers_for_wait(arrival_rate: float, service_rate: float, target_wait: float) -> int:
    """Fewest servers whose M/M/c mean wait is at most ``target_wait``."""
    c = math.floor(arrival_rate / service_rate) + 1
    while mmc_mean_wait(arrival_rate, service_rate, c) > target_wait:
        c += 1
    return c
