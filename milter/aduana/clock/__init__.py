"""The one clock type: what every injected clock is (``time.monotonic``, ``time.time``
or a test's fake). A leaf: it imports nothing else from aduana."""

from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]
"""Seconds as a float; which clock (monotonic or wall) the parameter's name says."""
