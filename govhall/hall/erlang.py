"""Erlang C: the M/M/N queue of a hall's windows (docs/hall.md, "Statistics
and staffing"). Pure Python, no Django.

People arrive at random (Poisson, ``rate`` per unit of time), each service
takes an exponentially distributed time with mean ``service``, ``servers``
windows call one common queue in order. The offered traffic is
``A = rate × service`` (in erlangs: how many windows would be busy all the
time). With N windows and A < N:

- Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))
  (stable: no powers or factorials, fine at hundreds of windows);
- the probability that a person waits, C(N, A) = N·B / (N − A·(1 − B));
- the mean wait (average speed of answer) Wq = C · service / (N − A);
- the service level P(wait ≤ t) = 1 − C · exp(−(N − A) · t / service).

With A ≥ N the queue grows without bound: C = 1 and the mean wait is
infinite (``math.inf``).
"""

from __future__ import annotations

import math

# Enough windows for any hall; the search for a target stops there.
MAX_SERVERS = 1000


def _check(servers: int, traffic: float) -> None:
    if servers < 0 or int(servers) != servers:
        raise ValueError("servers must be a whole number ≥ 0")
    if traffic < 0 or math.isnan(traffic):
        raise ValueError("traffic must be ≥ 0")


def erlang_b(servers: int, traffic: float) -> float:
    """Blocking probability of ``servers`` with ``traffic`` erlangs offered."""
    _check(servers, traffic)
    b = 1.0
    for n in range(1, int(servers) + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(servers: int, traffic: float) -> float:
    """The probability that an arrival has to wait (P(wait > 0))."""
    _check(servers, traffic)
    if traffic == 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    b = erlang_b(servers, traffic)
    return min(1.0, servers * b / (servers - traffic * (1 - b)))


def mean_wait(servers: int, traffic: float, service: float) -> float:
    """The mean wait in the queue (ASA), in the unit of ``service``; inf when overloaded."""
    if servers <= traffic and traffic > 0:
        return math.inf
    if traffic == 0:
        return 0.0
    return erlang_c(servers, traffic) * service / (servers - traffic)


def service_level(servers: int, traffic: float, service: float, target: float) -> float:
    """P(wait ≤ target): the share of people called within ``target``."""
    if traffic == 0:
        return 1.0
    if servers <= traffic:
        return 0.0
    c = erlang_c(servers, traffic)
    return max(0.0, min(1.0, 1 - c * math.exp(-(servers - traffic) * target / service)))


def servers_for_mean_wait(traffic: float, service: float, target: float) -> int:
    """The fewest servers whose mean wait is at most ``target`` (0 without traffic)."""
    if target < 0:
        raise ValueError("target must be ≥ 0")
    if traffic == 0:
        return 0
    n = max(1, math.floor(traffic) + 1)
    while mean_wait(n, traffic, service) > target:
        n += 1
        if n > MAX_SERVERS:
            raise ValueError("more than MAX_SERVERS servers needed")
    return n


def servers_for_service_level(traffic: float, service: float, target: float, level: float) -> int:
    """The fewest servers calling at least ``level`` of arrivals within ``target``."""
    if not 0 <= level < 1:
        raise ValueError("level must be in [0, 1)")
    if traffic == 0:
        return 0
    n = max(1, math.floor(traffic) + 1)
    while service_level(n, traffic, service, target) < level:
        n += 1
        if n > MAX_SERVERS:
            raise ValueError("more than MAX_SERVERS servers needed")
    return n
