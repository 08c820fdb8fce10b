"""Behaviour every counter store shares; each test runs against memory and real Redis."""

from __future__ import annotations

import pytest

from aduana.state import CounterStore, Fingerprint, Fingerprinter, SendCounts, WindowCount
from tests.unit.state.conftest import StoreFactory
from tests.unit.state.texts import CADENA, JUNTA, OFICIO, nomina_to

HOUR = 3600
DAY = 86400
T0 = 1_700_000_000.0
SENDER = "jefa.depto@sre.gob.mx"


def _fingerprint(text: str) -> Fingerprint:
    fingerprint = Fingerprinter().fingerprint(text)
    assert fingerprint is not None
    return fingerprint


def test_counts_this_message_and_its_recipients_in_every_window(store: CounterStore) -> None:
    counts = store.record_send(SENDER, ["a@x.mx", "b@x.mx"], T0, [HOUR, DAY])

    assert counts == SendCounts(
        windows=(WindowCount(HOUR, 1, 2), WindowCount(DAY, 1, 2)),
    )
    assert counts.for_window(DAY).distinct_recipients == 2


@pytest.mark.parametrize(
    ("sends", "expected_messages", "expected_distinct"),
    [
        pytest.param([["a@x.mx"], ["a@x.mx"], ["a@x.mx"]], 3, 1, id="same-recipient-thrice"),
        pytest.param([["a@x.mx", "b@x.mx"], ["b@x.mx", "c@x.mx"]], 2, 3, id="overlapping"),
        pytest.param([["A@X.MX"], ["a@x.mx"], ["<a@x.mx>"]], 3, 1, id="case-and-brackets"),
        pytest.param([[f"u{i}@x.mx"] for i in range(25)], 25, 25, id="one-to-one-blast"),
        pytest.param([[f"u{i}@x.mx" for i in range(40)]], 1, 40, id="one-to-many"),
        pytest.param([[]], 1, 0, id="no-recipients"),
    ],
)
def test_counts_distinct_recipients_once_per_window(
    store: CounterStore,
    sends: list[list[str]],
    expected_messages: int,
    expected_distinct: int,
) -> None:
    counts = None
    for offset, recipients in enumerate(sends):
        counts = store.record_send(SENDER, recipients, T0 + offset, [HOUR])

    assert counts is not None
    assert counts.for_window(HOUR) == WindowCount(HOUR, expected_messages, expected_distinct)


@pytest.mark.parametrize(
    ("later", "expected_hour", "expected_day"),
    [
        pytest.param(60, (2, 2), (2, 2), id="a-minute-later"),
        pytest.param(HOUR - 1, (2, 2), (2, 2), id="just-inside-the-hour"),
        pytest.param(HOUR, (1, 1), (2, 2), id="hour-boundary-excludes-first"),
        pytest.param(DAY - 1, (1, 1), (2, 2), id="just-inside-the-day"),
        pytest.param(DAY, (1, 1), (1, 1), id="a-day-later"),
        pytest.param(3 * DAY, (1, 1), (1, 1), id="days-later"),
    ],
)
def test_windows_roll_with_the_clock(
    store: CounterStore,
    later: int,
    expected_hour: tuple[int, int],
    expected_day: tuple[int, int],
) -> None:
    store.record_send(SENDER, ["first@x.mx"], T0, [HOUR, DAY])

    counts = store.record_send(SENDER, ["second@x.mx"], T0 + later, [HOUR, DAY])

    assert counts.windows == (
        WindowCount(HOUR, *expected_hour),
        WindowCount(DAY, *expected_day),
    )


def test_recipient_seen_again_stays_in_the_window_from_its_latest_message(
    store: CounterStore,
) -> None:
    store.record_send(SENDER, ["a@x.mx", "b@x.mx"], T0, [HOUR])
    store.record_send(SENDER, ["a@x.mx"], T0 + 3000, [HOUR])

    counts = store.record_send(SENDER, ["c@x.mx"], T0 + HOUR + 10, [HOUR])

    assert counts.for_window(HOUR) == WindowCount(HOUR, 2, 2)


def test_keeps_senders_apart(store: CounterStore) -> None:
    store.record_send(SENDER, ["a@x.mx", "b@x.mx"], T0, [HOUR])

    counts = store.record_send("otro@sre.gob.mx", ["a@x.mx"], T0 + 1, [HOUR])

    assert counts.for_window(HOUR) == WindowCount(HOUR, 1, 1)


def test_two_store_instances_of_the_backend_agree_on_shared_counts(
    new_store: StoreFactory, request: pytest.FixtureRequest
) -> None:
    """Two Redis stores are two gateway nodes: a blast split across them adds up."""
    node_a, node_b = new_store(), new_store()
    for i in range(5):
        node_a.record_send(SENDER, [f"a{i}@x.mx"], T0 + i, [HOUR])
        node_b.record_send(SENDER, [f"b{i}@x.mx"], T0 + i, [HOUR])

    counts = node_a.record_send(SENDER, ["last@x.mx"], T0 + 10, [HOUR])

    shared = "redis" in request.node.callspec.id
    assert counts.for_window(HOUR) == (
        WindowCount(HOUR, 11, 11) if shared else WindowCount(HOUR, 6, 6)
    )


@pytest.mark.parametrize(
    "greetings",
    [
        pytest.param(["Estimado Juan:", "Estimada María,", "Hola Pedro,"], id="greeting-changed"),
        pytest.param(["Lic. Ramírez:", "Mtra. Sánchez:", "Ing. Ortega:"], id="titles"),
        pytest.param(["", "Buenas tardes,", "A quien corresponda:"], id="with-and-without"),
    ],
)
def test_counts_recipients_of_near_duplicates_across_messages(
    store: CounterStore, greetings: list[str]
) -> None:
    reached = 0
    for i, greeting in enumerate(greetings):
        fingerprint = _fingerprint(nomina_to(greeting))
        reached = store.record_fingerprint(SENDER, fingerprint, [f"r{i}@x.mx"], T0 + 60 * i, HOUR)

    assert reached == len(greetings)


def test_does_not_count_recipients_of_unrelated_messages(store: CounterStore) -> None:
    for i, text in enumerate([OFICIO, JUNTA, CADENA]):
        reached = store.record_fingerprint(SENDER, _fingerprint(text), [f"r{i}@x.mx"], T0, HOUR)

        assert reached == 1


def test_counts_a_recipient_of_several_copies_once(store: CounterStore) -> None:
    fingerprint = _fingerprint(nomina_to("Estimado Juan:"))
    store.record_fingerprint(SENDER, fingerprint, ["juan@x.mx", "ana@x.mx"], T0, HOUR)

    reached = store.record_fingerprint(SENDER, fingerprint, ["JUAN@x.mx"], T0 + 5, HOUR)

    assert reached == 2


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        pytest.param(HOUR - 1, 2, id="inside-window"),
        pytest.param(HOUR, 1, id="window-over"),
    ],
)
def test_forgets_fingerprints_after_the_window(
    store: CounterStore, later: int, expected: int
) -> None:
    store.record_fingerprint(
        SENDER, _fingerprint(nomina_to("Estimado Juan:")), ["a@x.mx"], T0, HOUR
    )

    reached = store.record_fingerprint(
        SENDER, _fingerprint(nomina_to("Estimada Ana:")), ["b@x.mx"], T0 + later, HOUR
    )

    assert reached == expected


def test_keeps_fingerprints_of_senders_apart(store: CounterStore) -> None:
    fingerprint = _fingerprint(nomina_to("Estimado Juan:"))
    store.record_fingerprint(SENDER, fingerprint, ["a@x.mx", "b@x.mx"], T0, HOUR)

    reached = store.record_fingerprint("otro@sre.gob.mx", fingerprint, ["c@x.mx"], T0, HOUR)

    assert reached == 1


@pytest.mark.parametrize("windows", [[], [0], [-60]])
def test_refuses_meaningless_windows(store: CounterStore, windows: list[int]) -> None:
    with pytest.raises(ValueError, match="window"):
        store.record_send(SENDER, ["a@x.mx"], T0, windows)


def test_a_message_judged_but_not_committed_is_counted_once_and_never_stored(
    store: CounterStore,
) -> None:
    """Only sent mail counts: the check sees the message, the windows keep only what was sent."""
    store.record_send(SENDER, ["a@x.mx"], T0, [HOUR])
    judged = store.record_send(SENDER, ["a@x.mx", "b@x.mx", "b@x.mx"], T0 + 1, [HOUR], commit=False)
    assert judged == SendCounts(windows=(WindowCount(HOUR, 2, 2),))
    again = store.record_send(SENDER, ["c@x.mx"], T0 + 2, [HOUR], commit=False)
    assert again == SendCounts(windows=(WindowCount(HOUR, 2, 2),))
    sent = store.record_send(SENDER, ["c@x.mx"], T0 + 3, [HOUR])
    assert sent == SendCounts(windows=(WindowCount(HOUR, 2, 2),))


def test_a_recipient_seen_before_the_window_is_new_again_when_judged(store: CounterStore) -> None:
    store.record_send(SENDER, ["a@x.mx"], T0, [HOUR, DAY])
    judged = store.record_send(SENDER, ["a@x.mx"], T0 + 2 * HOUR, [HOUR, DAY], commit=False)
    assert judged == SendCounts(windows=(WindowCount(HOUR, 1, 1), WindowCount(DAY, 2, 1)))


def test_a_fingerprint_judged_but_not_committed_leaves_no_trace(store: CounterStore) -> None:
    fingerprint = _fingerprint(CADENA)
    store.record_fingerprint(SENDER, fingerprint, ["a@x.mx"], T0, DAY)
    judged = store.record_fingerprint(
        SENDER, fingerprint, ["b@x.mx", "c@x.mx"], T0 + 1, DAY, commit=False
    )
    assert judged == 3
    assert store.record_fingerprint(SENDER, fingerprint, ["d@x.mx"], T0 + 2, DAY) == 2
