"""Rolling-window counters behind one protocol, and the content fingerprint.

Public surface::

    CounterStore                  protocol: record_send, record_fingerprint
    SendCounts, WindowCount       what record_send returns
    IdentityHasher                keyed hash, so no store holds a raw address
    CounterStoreUnavailableError  a shared backend is unreachable
    MemoryCounterStore            one node (the default)
    FailoverCounterStore,         Redis first, memory while Redis is down
    StoreState, StoreStateChange
    Fingerprinter, FingerprintScheme, Fingerprint, similarity, near_duplicates

Redis lives in ``aduana.state.redis_store`` (``RedisCounterStore``, ``connect``)
and is not imported here, so a single node needs no redis package.
"""

from aduana.state.counters import (
    CounterStore,
    CounterStoreUnavailableError,
    IdentityHasher,
    SendCounts,
    WindowCount,
)
from aduana.state.fingerprint import (
    Fingerprint,
    Fingerprinter,
    FingerprintScheme,
    near_duplicates,
    similarity,
)
from aduana.state.memory import MemoryCounterStore
from aduana.state.resilient import FailoverCounterStore, StoreState, StoreStateChange

__all__ = [
    "CounterStore",
    "CounterStoreUnavailableError",
    "FailoverCounterStore",
    "Fingerprint",
    "FingerprintScheme",
    "Fingerprinter",
    "IdentityHasher",
    "MemoryCounterStore",
    "SendCounts",
    "StoreState",
    "StoreStateChange",
    "WindowCount",
    "near_duplicates",
    "similarity",
]
