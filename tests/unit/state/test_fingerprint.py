"""The fuzzy fingerprint: same mailing despite greetings and names, different mail apart."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduana.state import (
    Fingerprint,
    Fingerprinter,
    FingerprintScheme,
    near_duplicates,
    similarity,
)
from aduana.state.fingerprint import normalised_tokens
from tests.unit.state.texts import CADENA, DISCLAIMER, JUNTA, NOMINA_BODY, OFICIO, nomina_to

EXAMPLES = int(os.environ.get("ADUANA_HYPOTHESIS_EXAMPLES", "25"))


def _fingerprint(text: str, scheme: FingerprintScheme | None = None) -> Fingerprint:
    fingerprint = Fingerprinter(scheme).fingerprint(text)
    assert fingerprint is not None
    return fingerprint


BASE = nomina_to("Estimado Juan:")


@pytest.mark.parametrize(
    ("variant", "min_similarity"),
    [
        pytest.param(nomina_to("Estimada María,"), 1.0, id="greeting-and-name-changed"),
        pytest.param(nomina_to("Hola Pedro,"), 1.0, id="informal-greeting"),
        pytest.param(NOMINA_BODY, 1.0, id="no-greeting"),
        pytest.param(nomina_to("ESTIMADO JUAN:"), 1.0, id="greeting-in-capitals"),
        pytest.param(
            nomina_to("Estimado Juan:").replace("4521", "4533").replace("15", "22"),
            1.0,
            id="numbers-changed",
        ),
        pytest.param(
            nomina_to("Hola:").replace("Le informamos", "Pedro, le informamos"),
            0.9,
            id="name-inside-body",
        ),
        pytest.param(
            nomina_to("Estimado Juan:").replace("nómina", "nomina").replace("\n", "  \n "),
            1.0,
            id="accents-and-whitespace",
        ),
        pytest.param(BASE + DISCLAIMER, 1.0, id="signature-appended"),
        pytest.param(BASE + "\n> texto citado de un mensaje anterior\n> y más", 1.0, id="quoted"),
        pytest.param(
            BASE.replace("Durante ese periodo no será posible", "En ese lapso no se podrá"),
            0.6,
            id="one-sentence-reworded",
        ),
        pytest.param(
            BASE + " Consulte https://rh.sre.gob.mx/aviso?folio=ABCD&u=juan", 0.8, id="own-link"
        ),
    ],
)
def test_recognises_the_same_mailing_when_personalised(variant: str, min_similarity: float) -> None:
    base, other = _fingerprint(BASE), _fingerprint(variant)

    assert near_duplicates(base, other)
    assert similarity(base, other) >= min_similarity


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(BASE, OFICIO, id="nomina-vs-oficio"),
        pytest.param(BASE, JUNTA, id="nomina-vs-junta"),
        pytest.param(OFICIO, JUNTA, id="oficio-vs-junta"),
        pytest.param(JUNTA, CADENA, id="junta-vs-cadena"),
        pytest.param(OFICIO + DISCLAIMER, JUNTA + DISCLAIMER, id="same-signature-only"),
    ],
)
def test_keeps_unrelated_messages_apart(first: str, second: str) -> None:
    a, b = _fingerprint(first), _fingerprint(second)

    assert not near_duplicates(a, b)
    assert similarity(a, b) < 0.1


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("Gracias, saludos.", id="short-reply"),
        pytest.param("Estimado Juan:\n\nRecibido.\n\nSaludos", id="greeting-and-one-word"),
        pytest.param("12345 67890 2024-03-15 folio 001", id="only-numbers"),
    ],
)
def test_gives_no_fingerprint_for_text_too_short_to_compare(text: str) -> None:
    assert Fingerprinter().fingerprint(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Estimado Juan:\nLa reunión es hoy.", ["la", "reunion", "es", "hoy"], id="greeting"
        ),
        pytest.param(
            "Favor de ver a Juan Pérez hoy.", ["favor", "de", "ver", "a", "hoy"], id="names"
        ),
        pytest.param("Oficio 123/2024 del día 15.", ["oficio", "del", "dia"], id="numbers"),
        pytest.param("Escriba a ana@sre.gob.mx ya.", ["escriba", "a", "ya"], id="address"),
        pytest.param("Vea https://x.gob.mx/a?id=9 ya.", ["vea", "x", "gob", "mx", "ya"], id="url"),
        pytest.param("¿Recibió? Sí. Gracias.", ["recibio", "si", "gracias"], id="sentence-starts"),
        pytest.param("AVISO URGENTE", ["aviso", "urgente"], id="capitals-kept"),
    ],
)
def test_normalises_text_to_content_words(text: str, expected: list[str]) -> None:
    assert normalised_tokens(text) == expected


def test_two_nodes_compute_the_same_fingerprint() -> None:
    assert Fingerprinter().fingerprint(BASE) == Fingerprinter().fingerprint(BASE)


def test_fingerprints_of_different_schemes_never_match() -> None:
    default = _fingerprint(BASE)
    other = _fingerprint(BASE, FingerprintScheme(seed="other"))

    assert not near_duplicates(default, other)
    assert similarity(default, other) == 0.0


@pytest.mark.parametrize(
    ("bands", "rows", "min_tokens", "max_tokens"),
    [(0, 5, 8, 500), (20, -1, 8, 500), (20, 5, 10, 5)],
)
def test_refuses_a_meaningless_scheme(
    bands: int, rows: int, min_tokens: int, max_tokens: int
) -> None:
    with pytest.raises(ValueError, match="must"):
        FingerprintScheme(bands=bands, rows=rows, min_tokens=min_tokens, max_tokens=max_tokens)


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñ", min_size=2, max_size=12).map(
    str.capitalize
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    salutation=st.sampled_from(["Estimado", "Estimada", "Querida", "Hola", "Dear", "Lic."]),
    name=_NAMES,
    surname=_NAMES,
    punctuation=st.sampled_from([":", ",", ""]),
)
def test_any_greeting_leaves_the_mailing_recognisable(
    salutation: str, name: str, surname: str, punctuation: str
) -> None:
    variant = _fingerprint(nomina_to(f"{salutation} {name} {surname}{punctuation}"))

    assert near_duplicates(_fingerprint(BASE), variant)
