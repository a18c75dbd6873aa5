"""The shared limit on model requests in flight: served by need, not held while waiting, lowered by a 429 storm.

A `Limiter` replaces a plain semaphore between a run's (or a fleet's) sections and the endpoint:

- **By need.** A waiting request carries a priority (a tuple, smallest first; ties first come, first
  served): a fleet gives the oldest company's sections precedence, and within a company the synthesis
  sections and the sections they wait for go first (drafting/pipeline.py), so drafts finish steadily
  instead of every company's synthesis queuing behind everyone's first level.
- **Not held while waiting.** `pause(seconds)` (the client's retry backoff and a 429's `retry-after`)
  gives the caller's slot back for the wait and takes one again, at the same priority, after it.
- **Adaptive.** A 429 storm (a quarter or more of the last `limit` answers, at least 8, were rate limits) halves the
  number of slots for `STORM_HOLD_SECONDS`; after that, each good answer gives one slot back, up to the
  configured limit. Scattered 429s do not lower it: they are retried outside the limit.
- **Hedging.** `hedge_delay()` says how long a call's latest attempt may go unanswered before one
  duplicate is sent: twice the 90th percentile of recent answer times (calls answered at the first
  attempt, each timed by the copy that answered), at least `min_hedge_seconds` (1 s), once enough calls
  have answered, and not while a storm keeps the limit lowered (an endpoint that is rate limiting gets no
  extra load; scattered 429s do not stop hedging). `attempt_started()` says when the caller's latest
  attempt went out (its slot taken, first or again after a backoff), so a retry is timed from its own
  send, not taken for a lost call.

`wait_for_room()` returns once a slot is free with nobody waiting: a fleet loads its next company
only then (or when it has fewer than two), so companies waiting on a straggler leave the limit to
new ones without loading the whole edition. The slot a task holds is kept in a context variable, so the client's backoff (`pause`) finds it
without being handed it. The clock is injectable (`clock`), so tests drive it without sleeping.
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

Priority = tuple[int, ...]
"""Smallest first; a request without one waits behind every prioritised request of equal leading terms."""

STORM_SHARE = 0.25
"""The share of rate limits among the last `limit` answers (at least `STORM_WINDOW`) that makes a storm."""
STORM_WINDOW = 8
STORM_HOLD_SECONDS = 5.0
"""How long a storm keeps the limit lowered before good answers raise it again."""
MIN_HEDGE_SECONDS = 1.0
HEDGE_FACTOR = 2.0
"""A call unanswered for this many times the 90th percentile of answer times is presumed lost."""
HEDGE_SAMPLES = 20
"""Answers seen before any hedge is sent (the percentile needs them)."""


@dataclass(eq=False)
class _Slot:
    limiter: Limiter
    priority: Priority
    order: int
    held: bool = False
    taken_at: float = 0.0
    """When the slot was last taken (the limiter's clock): the latest attempt of its call went out then."""


_held: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("naftiko_limiter_slot", default=None)


@dataclass(eq=False)
class Limiter:
    """At most `limit` requests in flight (fewer during a 429 storm), granted by priority."""

    limit: int
    clock: Callable[[], float] = time.monotonic
    min_hedge_seconds: float = MIN_HEDGE_SECONDS
    allowed: int = field(init=False)
    """Slots currently granted at most (the limit, or fewer after a storm)."""
    in_flight: int = field(default=0, init=False)
    peak: int = field(default=0, init=False)
    lowered_until: float = field(default=0.0, init=False)
    _waiting: list[tuple[Priority, int, asyncio.Future[None]]] = field(default_factory=list, init=False)
    _order: itertools.count[int] = field(default_factory=itertools.count, init=False)
    _outcomes: deque[bool] = field(init=False)
    _latencies: deque[float] = field(default_factory=lambda: deque(maxlen=200), init=False)
    _room: list[asyncio.Future[None]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        """Start with every slot allowed."""
        self.limit = max(1, self.limit)
        self.allowed = self.limit
        self._outcomes = deque(maxlen=max(STORM_WINDOW, self.limit))

    @asynccontextmanager
    async def slot(self, priority: Priority = ()) -> AsyncIterator[None]:
        """Hold one slot for the block (waiting by `priority`); `pause` inside it waits without the slot."""
        held = _Slot(self, priority, next(self._order))
        await self._acquire(held)
        token = _held.set(held)
        try:
            yield
        finally:
            _held.reset(token)
            self._release(held)

    async def pause(self, seconds: float) -> None:
        """Sleep `seconds` without the caller's slot, then wait for one again (same priority, same place)."""
        held = _held.get()
        if held is None or held.limiter is not self or not held.held:
            await asyncio.sleep(seconds)
            return
        self._release(held)
        try:
            await asyncio.sleep(seconds)
        finally:
            await self._acquire(held)

    def rate_limited(self) -> None:
        """A 429 came back: note it; a storm lowers the limit for a while."""
        now = self.clock()
        self._outcomes.append(True)
        storm = sum(self._outcomes) >= max(2.0, STORM_SHARE * (self._outcomes.maxlen or STORM_WINDOW))
        if storm and now >= self.lowered_until:
            self.allowed = max(1, self.allowed // 2)
            self.lowered_until = now + STORM_HOLD_SECONDS
            self._outcomes.clear()

    def answered(self, seconds: float | None) -> None:
        """A call answered after `seconds` (None: after retries, no measure of the endpoint's speed).

        After a storm's hold, each answer gives one slot back.
        """
        self._outcomes.append(False)
        if seconds is not None:
            self._latencies.append(seconds)
        if self.allowed < self.limit and self.clock() >= self.lowered_until:
            self.allowed += 1
            self._grant()

    @property
    def has_room(self) -> bool:
        """A slot is free and nobody waits for one: more work would be sent at once."""
        return self.in_flight < self.allowed and not self._waiting

    async def wait_for_room(self) -> None:
        """Return once `has_room` (a fleet then loads its next company)."""
        if self.has_room:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._room.append(future)
        try:
            await future
        finally:
            if future in self._room:
                self._room.remove(future)

    def attempt_started(self) -> float | None:
        """When the calling task's call last went out (its slot taken, first or after a backoff; the limiter's clock).

        None while the slot is given back (the call waits out a backoff: it is not unanswered, only waiting).
        """
        held = _held.get()
        return held.taken_at if held is not None and held.limiter is self and held.held else None

    def hedge_delay(self) -> float | None:
        """How long a call may go unanswered before a duplicate is sent; None: send none (see the docstring)."""
        if len(self._latencies) < HEDGE_SAMPLES or self.allowed < self.limit:
            return None
        ordered = sorted(self._latencies)
        return max(self.min_hedge_seconds, HEDGE_FACTOR * ordered[int(0.9 * (len(ordered) - 1))])

    async def _acquire(self, held: _Slot) -> None:
        if self.in_flight < self.allowed and not self._waiting:
            self._take(held)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (held.priority, held.order, future)
        heapq.heappush(self._waiting, entry)
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():
                self._release_taken(held)  # granted as it was cancelled: hand the slot on
            else:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            raise
        held.held = True
        held.taken_at = self.clock()

    def _take(self, held: _Slot) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        held.held = True
        held.taken_at = self.clock()

    def _release(self, held: _Slot) -> None:
        if held.held:
            held.held = False
            self._release_taken(held)

    def _release_taken(self, held: _Slot) -> None:
        held.held = False
        self.in_flight -= 1
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self.in_flight < self.allowed:
            _, _, future = heapq.heappop(self._waiting)
            if future.cancelled():
                continue
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            future.set_result(None)
        if self._room and self.has_room:
            room, self._room = self._room, []
            for future in room:
                if not future.done():
                    future.set_result(None)
