"""Inbound list and newsletter detection from headers."""

from __future__ import annotations

import pytest

from aduana.content.bulk import BulkSignal, detect_bulk


@pytest.mark.parametrize(
    ("headers", "signals"),
    [
        ([("List-Id", "Boletín SEP <boletin.sep.gob.mx>")], {BulkSignal.LIST_ID}),
        ([("list-unsubscribe", "<mailto:baja@example.org>")], {BulkSignal.LIST_UNSUBSCRIBE}),
        ([("Precedence", "bulk")], {BulkSignal.PRECEDENCE_BULK}),
        ([("PRECEDENCE", " List ")], {BulkSignal.PRECEDENCE_LIST}),
        ([("Precedence", "junk (auto)")], {BulkSignal.PRECEDENCE_JUNK}),
        (
            [("List-Unsubscribe", "<https://x.example/u>"), ("List-Id", "<news.example.com>")],
            {BulkSignal.LIST_UNSUBSCRIBE, BulkSignal.LIST_ID},
        ),
    ],
)
def test_tags_list_and_bulk_mail(headers: list[tuple[str, str]], signals: set[BulkSignal]) -> None:
    result = detect_bulk(headers)
    assert result.is_bulk
    assert result.signals == signals


@pytest.mark.parametrize(
    "headers",
    [
        [("Subject", "List-Id: <x.example>"), ("From", "jefe@sre.gob.mx")],
        [("Precedence", "first-class")],
        [("List-Unsubscribe", "   ")],
        [("List-Id", "no angle brackets")],
        [],
    ],
)
def test_personal_mail_is_not_bulk(headers: list[tuple[str, str]]) -> None:
    assert not detect_bulk(headers).is_bulk


def test_list_id_is_reduced_to_a_header_safe_identifier() -> None:
    result = detect_bulk([("List-Id", '"Avisos\r\nX-Evil: 1" <Avisos.Example.ORG>')])
    assert result.list_id == "avisos.example.org"
