"""Handler pools: the handlers of one committee, centre, department or desk (or one community's
grid workers or volunteers), with one queue, first-in first-out within priority."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from sim.config.enums import Level, Severity, SpecialisedField
from sim.model.agents import Handler

FOLLOW_UP_PRIORITY = len(Severity) - 1  # follow-up visits queue with minor cases


class HandlerPool:
    """Handlers who share one queue. ``capacity`` is the cases they can have in hand at once
    (for mediation committees it follows from their hours, ``sim.model.organisation``)."""

    def __init__(self, index: int, level: Level, name: str, node: int, servers: Sequence[Handler],
                 town: int | None = None, community: int | None = None, field: SpecialisedField | None = None,
                 volunteers: bool = False, zone: int | None = None, service_factor: float = 1.0):
        self.index, self.level, self.name, self.node = index, level, name, node
        self.servers = list(servers)
        self.town, self.community, self.field, self.volunteers = town, community, field, volunteers
        self.zone = zone  # a three-zone pilot's one-stop desk
        self.service_factor = service_factor  # handling time relative to the level's
        self.capacity = sum(server.capacity for server in self.servers)
        # Room left per server, in the pool's order, and each server's place in it: finding the
        # least loaded server is then two C-level passes over a list (max, index) rather than a
        # Python loop over the servers on every case that enters.
        self._room = [server.capacity - server.active_cases for server in self.servers]
        self._position = {server: i for i, server in enumerate(self.servers)}
        self._unit_servers = all(server.capacity <= 1 for server in self.servers)  # grid workers, clerks
        self.busy = 0
        self.waiting = 0
        self.taken_up = 0  # cases whose handling started here (since the warm-up)
        self.queues: tuple[deque, ...] = tuple(deque() for _ in Severity)  # major first
        self.busy_time = 0.0  # integral of busy handlers over time, handler-days
        self._since = 0.0

    def account(self, t: float) -> None:
        """Add the busy handler-days since the last account. With no one busy there is nothing to
        add (and the next ``take`` accounts first), so an idle pool is skipped."""
        if self.busy:
            self.busy_time += self.busy * (t - self._since)
        self._since = t

    def restart_ledger(self, t: float) -> None:
        """Start counting busy time and cases taken up afresh (at the end of the warm-up)."""
        self._since, self.busy_time, self.taken_up = t, 0.0, 0

    def free_server(self) -> Handler | None:
        """The least loaded handler with room (the first of equals, in the pool's order: full-time
        grid workers before part-time ones), or None."""
        if self.busy >= self.capacity:
            return None
        room = self._room
        if self._unit_servers:  # with room 0 or 1 each, the most free is the first with room 1: one pass
            return self.servers[room.index(1)]
        return self.servers[room.index(max(room))]  # the first of the most free (one has room: busy < capacity)

    def take(self, server: Handler, t: float) -> None:
        """``server`` starts on a case at ``t``. (``account`` written out here and in ``release``: they
        run for every visit, and the call cost more than the sum.)"""
        busy = self.busy
        if busy:
            self.busy_time += busy * (t - self._since)
        self._since = t
        self.busy = busy + 1
        self.taken_up += 1
        server.active_cases += 1
        self._room[self._position[server]] -= 1

    def release(self, server: Handler, t: float) -> None:
        """``server`` is done with a case at ``t``."""
        busy = self.busy  # at least 1: ``server`` is busy here
        self.busy_time += busy * (t - self._since)
        self._since = t
        self.busy = busy - 1
        server.active_cases -= 1
        self._room[self._position[server]] += 1

    @property
    def load(self) -> float:
        return (self.busy + self.waiting) / self.capacity if self.capacity else math.inf
