"""What only the memory backend promises: bounded memory and thread safety."""

from __future__ import annotations

import threading

from aduana.state import MemoryCounterStore

HOUR = 3600
T0 = 1_700_000_000.0


def test_forgets_senders_whose_events_all_expired() -> None:
    store = MemoryCounterStore(sweep_interval=60)
    for i in range(50):
        store.record_send(f"s{i}@x.mx", ["a@x.mx"], T0, [HOUR])

    store.record_send("late@x.mx", ["a@x.mx"], T0 + HOUR + 60, [HOUR])

    assert store.tracked_senders() == 1


def test_keeps_at_most_max_senders_evicting_the_least_recently_active() -> None:
    store = MemoryCounterStore(max_senders=3)
    for sender in ["a@x.mx", "b@x.mx", "c@x.mx"]:
        store.record_send(sender, ["r@x.mx"], T0, [HOUR])
    store.record_send("a@x.mx", ["r@x.mx"], T0 + 1, [HOUR])

    store.record_send("d@x.mx", ["r@x.mx"], T0 + 2, [HOUR])

    assert store.tracked_senders() == 3
    assert store.record_send("a@x.mx", ["r@x.mx"], T0 + 3, [HOUR]).windows[0].messages == 3
    assert store.record_send("b@x.mx", ["r@x.mx"], T0 + 3, [HOUR]).windows[0].messages == 1


def test_message_count_saturates_at_the_per_sender_cap() -> None:
    store = MemoryCounterStore(max_events_per_sender=10)
    for i in range(30):
        counts = store.record_send("a@x.mx", ["r@x.mx"], T0 + i, [HOUR])

    assert counts.windows[0].messages == 10


def test_counts_every_message_recorded_from_many_threads() -> None:
    store = MemoryCounterStore()
    threads = [
        threading.Thread(
            target=lambda n=n: [
                store.record_send("a@x.mx", [f"t{n}-{i}@x.mx"], T0 + i, [HOUR]) for i in range(200)
            ]
        )
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counts = store.record_send("a@x.mx", [], T0 + 300, [HOUR])

    assert counts.windows[0].messages == 8 * 200 + 1
    assert counts.windows[0].distinct_recipients == 8 * 200
