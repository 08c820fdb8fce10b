"""Lexicon loading, matching and scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from aduana.content.lexicon import (
    SHIPPED_CATEGORIES,
    LexiconError,
    LexiconMatcher,
    load_lexicon,
    parse_lexicon,
    score,
    shipped_lexicons,
)

ADMIN_LEXICON = """
name: admin
categories:
  offensive:
    entries:
      - "puto"
      - {phrase: "hijo de puta", weight: 4}
      - "pendej*"
      - {id: admin-ass, phrase: "ass", weight: 2}
      - {phrase: "sex", weight: 1}
  chain_letter:
    default_weight: 3
    entries:
      - "envialo a * personas"
  vendors:
    description: an admin-defined category
    entries:
      - {phrase: "acme corp", weight: 5}
"""


@pytest.fixture(scope="module")
def matcher() -> LexiconMatcher:
    return LexiconMatcher([parse_lexicon(ADMIN_LEXICON, source="admin.yaml")])


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("Eres un PUTO", "admin.offensive.1"),
        ("eres un p u t o", "admin.offensive.1"),
        ("eres un puuuuto", "admin.offensive.1"),
        ("eres un pút0", "admin.offensive.1"),
        ("Hijo de p.u.t.a", "admin.offensive.2"),
        ("qué pendejada", "admin.offensive.3"),
        ("kiss my 4ss", "admin-ass"),
        ("Envíalo a 10 personas", "admin.chain_letter.1"),
        ("Saludos de ACME Corp.", "admin.vendors.1"),
    ],
)
def test_finds_entries_through_obfuscation(
    matcher: LexiconMatcher, text: str, entry_id: str
) -> None:
    assert entry_id in {hit.entry_id for hit in matcher.match(text)}


@pytest.mark.parametrize(
    "text",
    [
        "La computadora nueva llegó",
        "Disputa resuelta",
        "Reputación institucional",
        "Sussex and Essex",
        "as I said, the class is in Middlesex",
        "assessment of the embassy",
        "Pendiente la respuesta",
        "envíalo a personas",
    ],
)
def test_innocent_words_containing_listed_ones_are_not_hits(
    matcher: LexiconMatcher, text: str
) -> None:
    assert matcher.match(text) == ()


def test_hits_count_repeats_and_score_sums_weights(matcher: LexiconMatcher) -> None:
    hits = matcher.match("puto, PUTO y hijo de puta; sex")
    by_id = {hit.entry_id: hit for hit in hits}
    assert by_id["admin.offensive.1"].count == 2
    assert by_id["admin.offensive.2"].count == 1
    assert score(hits) == {"offensive": 2 * 1 + 4 + 1}
    assert score(hits, max_count_per_entry=1) == {"offensive": 1 + 4 + 1}


def test_hits_never_carry_the_matched_text(matcher: LexiconMatcher) -> None:
    hits = matcher.match("eres un pendejo")
    assert hits
    for hit in hits:
        assert "pendej" not in repr(hit)


def test_load_lexicon_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(ADMIN_LEXICON, encoding="utf-8")
    lexicon = load_lexicon(path)
    assert lexicon.source == str(path)
    assert [c.name for c in lexicon.categories] == ["offensive", "chain_letter", "vendors"]
    assert lexicon.entries[5].weight == 3.0


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        ("name: x\ncategories: [1]", "categories", "mapping"),
        ("categories: {c: {entries: [a]}}", "name", "non-empty"),
        ("name: x\ncategories: {}", "categories", "at least one"),
        ("name: x\ncategories: {Bad: {entries: [a]}}", "categories.Bad", "lowercase"),
        ("name: x\ncategories: {c: {entries: []}}", "categories.c.entries", "non-empty"),
        (
            "name: x\ncategories: {c: {entries: [{phrase: a, weight: -1}]}}",
            "categories.c.entries[0].weight",
            "greater than 0",
        ),
        (
            "name: x\ncategories: {c: {entries: [{phrase: a, weight: yes}]}}",
            "categories.c.entries[0].weight",
            "number",
        ),
        ("name: x\ncategories: {c: {entries: ['* a']}}", "categories.c.entries[0]", "'*'"),
        ("name: x\ncategories: {c: {entries: ['ab*']}}", "categories.c.entries[0]", "stem"),
        ("name: x\ncategories: {c: {entries: ['!!']}}", "categories.c.entries[0]", "no letters"),
        (
            "name: x\ncategories: {c: {entries: [{id: d, phrase: a}, {id: d, phrase: b}]}}",
            "categories.c.entries[1]",
            "duplicate",
        ),
        ("name: x\ncategories: {c: {entries: [a], colour: red}}", "categories.c.colour", "unknown"),
        ("name: x\ncategories: {c: {entries: [a]", "line", "not valid YAML"),
    ],
)
def test_rejects_bad_lexicon_naming_file_and_yaml_path(text: str, path: str, message: str) -> None:
    with pytest.raises(LexiconError) as caught:
        parse_lexicon(text, source="bad.yaml")
    assert caught.value.file == "bad.yaml"
    assert caught.value.path.startswith(path)
    assert message in caught.value.message


def test_rejects_the_same_entry_id_in_two_lexicons() -> None:
    one = parse_lexicon("name: x\ncategories: {c: {entries: [{id: d, phrase: a}]}}", source="1")
    two = parse_lexicon("name: y\ncategories: {c: {entries: [{id: d, phrase: b}]}}", source="2")
    with pytest.raises(LexiconError, match="already used"):
        LexiconMatcher([one, two])


def test_shipped_lexicons_cover_the_documented_categories_and_no_political_one() -> None:
    lexicons = shipped_lexicons()
    assert {lexicon.name for lexicon in lexicons} == {"es", "en"}
    for lexicon in lexicons:
        assert {c.name for c in lexicon.categories} == set(SHIPPED_CATEGORIES)
        assert all(c.description for c in lexicon.categories)


@pytest.fixture(scope="module")
def shipped() -> LexiconMatcher:
    return LexiconMatcher(shipped_lexicons())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("eres un pinche pendejo", "offensive"),
        ("What the fuck is this", "offensive"),
        ("mira este video porno", "obscene"),
        ("Reenvíalo a todos tus contactos o tendrás mala suerte por 7 años", "chain_letter"),
        ("Don't break the chain! Forward this to 10 friends", "chain_letter"),
        ("Oferta por tiempo limitado: compra ahora con envío gratis", "commercial"),
        ("Limited time offer, click here and buy now", "commercial"),
    ],
)
def test_shipped_lists_catch_typical_messages(
    shipped: LexiconMatcher, text: str, category: str
) -> None:
    assert category in score(shipped.match(text))


@pytest.mark.parametrize(
    "text",
    [
        "Le reenvío el oficio; favor de reenviar a todos los jefes de departamento.",
        "La computadora de la Dirección de Cómputo está en reparación.",
        "El cono de la calle y el año fiscal 2024.",
        "Shiitake mushrooms and a cocktail in Sussex.",
        "Adjunto la cotización del proveedor para su revisión.",
        "Se reservó la sala de juntas del tercer piso.",
        "Please assess the attached classification guide.",
    ],
)
def test_shipped_lists_stay_quiet_on_ordinary_institutional_mail(
    shipped: LexiconMatcher, text: str
) -> None:
    assert shipped.match(text) == ()
