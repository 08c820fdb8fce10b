"""send(): one SMTP transaction against a PrivatePostfix, reported as a value.

A refusal is an expected outcome in these tests, so send() never raises for
4xx/5xx; it says which stage answered what. Authentication uses Postfix
XCLIENT LOGIN=..., which sets the SASL login exactly as a real AUTH would:
Postfix logs `sasl_method=XCLIENT, sasl_username=...` and hands the login to
milters as the {auth_authen} macro.
"""

from __future__ import annotations

import enum
import re
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

_QUEUED_AS = re.compile(r"queued as ([0-9A-Za-z]+)")
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\b")
_BARE_LF = re.compile(rb"(?<!\r)\n")


class SmtpEndpoint(Protocol):
    """Anything with a host and port, e.g. PrivatePostfix."""

    @property
    def host(self) -> str: ...

    port: int


class Stage(enum.Enum):
    CONNECT = "connect"
    EHLO = "ehlo"
    XCLIENT = "xclient"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


@dataclass(frozen=True)
class SendResult:
    """The last reply of the transaction and the stage that gave it.

    Accepted messages end at Stage.DATA with code 250 and a queue id. A
    disconnect without a reply is code 0.
    """

    stage: Stage
    code: int
    text: str
    queue_id: str | None = None
    refused_rcpts: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.stage is Stage.DATA and self.code == 250

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    @property
    def enhanced_code(self) -> str | None:
        """The RFC 3463 status like "5.7.1", when the server gave one."""
        match = _ENHANCED.match(self.text)
        return match.group(1) if match else None


def xtext(value: str) -> str:
    """RFC 3461 xtext, as XCLIENT attribute values require."""
    return "".join(
        char if 33 <= ord(char) <= 126 and char not in "+=" else f"+{ord(char):02X}"
        for char in value
    )


def crlf(raw: bytes) -> bytes:
    return _BARE_LF.sub(b"\r\n", raw)


def _decode(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def send(
    postfix: SmtpEndpoint,
    mail_from: str,
    rcpts: Sequence[str],
    raw_message: bytes,
    *,
    login: str | None = None,
    client_address: str | None = None,
    source_address: str | None = None,
    mail_options: Sequence[str] = (),
    rcpt_options: Sequence[str] = (),
    helo: str = "client.e2e.test",
    timeout: float = 60.0,
) -> SendResult:
    """Send one message; `login` makes it an authenticated (ESMTPA) submission.

    `client_address` makes Postfix treat the session as coming from that address
    (XCLIENT ADDR=...), e.g. from the internet; the connection itself stays on
    loopback. `source_address` binds the client's own end to another loopback
    address (for an MTA without XCLIENT, such as Sendmail).

    Bare LFs in `raw_message` are turned into CRLF. `mail_options` are ESMTP
    MAIL parameters such as "SIZE=12582912".
    """
    try:
        smtp = smtplib.SMTP(
            postfix.host,
            postfix.port,
            local_hostname=helo,
            timeout=timeout,
            source_address=(source_address, 0) if source_address else None,
        )
    except smtplib.SMTPConnectError as error:
        return SendResult(Stage.CONNECT, error.smtp_code, _decode(error.smtp_error))
    stage = Stage.EHLO
    try:
        with smtp:
            code, reply = smtp.ehlo()
            if code != 250:
                return SendResult(stage, code, _decode(reply))
            attributes = []
            if client_address is not None:
                attributes.append(f"ADDR={xtext(client_address)}")
            if login is not None:
                attributes.append(f"LOGIN={xtext(login)}")
            if attributes:
                stage = Stage.XCLIENT
                code, reply = smtp.docmd("XCLIENT", " ".join(attributes))
                if code != 220:
                    return SendResult(stage, code, _decode(reply))
                # XCLIENT restarts the session: greet again.
                smtp.ehlo_resp = None
                smtp.esmtp_features = {}
                stage = Stage.EHLO
                code, reply = smtp.ehlo()
                if code != 250:
                    return SendResult(stage, code, _decode(reply))
            return _transaction(
                smtp,
                mail_from=mail_from,
                rcpts=rcpts,
                raw_message=raw_message,
                mail_options=mail_options,
                rcpt_options=rcpt_options,
            )
    except smtplib.SMTPServerDisconnected as error:
        return SendResult(stage, 0, f"disconnected: {error}")


def _transaction(
    smtp: smtplib.SMTP,
    *,
    mail_from: str,
    rcpts: Sequence[str],
    raw_message: bytes,
    mail_options: Sequence[str],
    rcpt_options: Sequence[str],
) -> SendResult:
    code, reply = smtp.mail(mail_from, list(mail_options))
    if code != 250:
        return SendResult(Stage.MAIL, code, _decode(reply))
    refused: dict[str, tuple[int, str]] = {}
    for rcpt in rcpts:
        code, reply = smtp.rcpt(rcpt, list(rcpt_options))
        if code not in (250, 251):
            refused[rcpt] = (code, _decode(reply))
    if len(refused) == len(rcpts):
        last_code, last_text = refused[rcpts[-1]] if rcpts else (0, "no recipients")
        return SendResult(Stage.RCPT, last_code, last_text, refused_rcpts=refused)
    try:
        code, reply = smtp.data(crlf(raw_message))
    except smtplib.SMTPDataError as error:  # DATA itself (before 354) was refused
        return SendResult(Stage.DATA, error.smtp_code, _decode(error.smtp_error), None, refused)
    text = _decode(reply)
    queued = _QUEUED_AS.search(text) if code == 250 else None
    return SendResult(Stage.DATA, code, text, queued.group(1) if queued else None, refused)
