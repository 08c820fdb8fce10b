"""Classification markings: stamps count, ordinary words do not."""

from __future__ import annotations

import pytest

from aduana.content.classification import MarkingKind, MarkingRule, find_markings


@pytest.mark.parametrize(
    ("text", "kind", "rule"),
    [
        ("RESERVADO", MarkingKind.RESERVED, MarkingRule.STANDALONE),
        ("  — CONFIDENCIAL —  ", MarkingKind.CONFIDENTIAL, MarkingRule.STANDALONE),
        ("Confidencial", MarkingKind.CONFIDENTIAL, MarkingRule.STANDALONE),
        ("RE: RESERVADO", MarkingKind.RESERVED, MarkingRule.STANDALONE),
        ("DOCUMENTO RESERVADO", MarkingKind.RESERVED, MarkingRule.STANDALONE),
        ("INFORMACIÓN CLASIFICADA", MarkingKind.CLASSIFIED, MarkingRule.STANDALONE),
        ("INFORMACIÓN CLASIFICADA COMO RESERVADA", MarkingKind.RESERVED, MarkingRule.STANDALONE),
        ("Información confidencial", MarkingKind.CONFIDENTIAL, MarkingRule.STANDALONE),
        (
            "Le remito la Información Reservada que solicitó la Dirección General",
            MarkingKind.RESERVED,
            MarkingRule.PHRASE,
        ),
        (
            "[CONFIDENCIAL] Informe trimestral de la representación en el exterior",
            MarkingKind.CONFIDENTIAL,
            MarkingRule.LABELLED,
        ),
        (
            "Clasificación: RESERVADA por cinco años conforme al artículo 110",
            MarkingKind.RESERVED,
            MarkingRule.LABELLED,
        ),
        (
            "Le envío el informe RESERVADO sobre la visita del embajador",
            MarkingKind.RESERVED,
            MarkingRule.EMPHASIS,
        ),
        ("PRIVILEGED AND CONFIDENTIAL", MarkingKind.CONFIDENTIAL, MarkingRule.STANDALONE),
    ],
)
def test_finds_markings(text: str, kind: MarkingKind, rule: MarkingRule) -> None:
    assert [(m.kind, m.rule) for m in find_markings(text)] == [(kind, rule)]


@pytest.mark.parametrize(
    "text",
    [
        "he reservado la sala de juntas",
        "HE RESERVADO LA SALA",
        "HE RESERVADO LA SALA DEL TERCER PISO PARA LA REUNIÓN DEL LUNES",
        "SALA RESERVADA",
        "Todos los derechos reservados",
        "© 2024 SRE. TODOS LOS DERECHOS RESERVADOS",
        "Este mensaje puede contener información confidencial y privilegiada.",
        "AVISO DE CONFIDENCIALIDAD: este correo es para su destinatario",
        "ESTE CORREO ES CONFIDENCIAL Y PARA USO EXCLUSIVO DEL DESTINATARIO INDICADO",
        "La ley define la información clasificada como reservada en su artículo 113.",
        "Los avisos clasificados del periódico",
        "Mantenga su contraseña confidencial en todo momento, por favor.",
    ],
)
def test_ordinary_use_of_the_words_is_not_a_marking(text: str) -> None:
    assert find_markings(text) == ()


def test_reports_the_line_of_each_marking_in_a_body() -> None:
    body = "Estimada licenciada:\n\nRESERVADO\nLe envío el anexo.\n\nCONFIDENCIAL\n"
    assert [m.line for m in find_markings(body)] == [3, 6]
