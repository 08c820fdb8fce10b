"""End-to-end harness: private Postfix, recording sink, milter processes, SMTP client."""

from .factories import NOOP_MILTER, MilterFactory, PostfixFactory
from .milter_process import MilterProcess, MilterStartError, SocketSpec
from .ports import LOOPBACK, free_port, port_accepts, wait_for_port
from .postfix import MilterTimeouts, PostfixError, PrivatePostfix, postfix_available
from .sink import Delivered, RecordingSink, parse_message
from .smtp_client import SendResult, Stage, send, xtext
from .waiting import wait_until

__all__ = [
    "LOOPBACK",
    "NOOP_MILTER",
    "Delivered",
    "MilterFactory",
    "MilterProcess",
    "MilterStartError",
    "MilterTimeouts",
    "PostfixError",
    "PostfixFactory",
    "PrivatePostfix",
    "RecordingSink",
    "SendResult",
    "SocketSpec",
    "Stage",
    "free_port",
    "parse_message",
    "port_accepts",
    "postfix_available",
    "send",
    "wait_for_port",
    "wait_until",
    "xtext",
]
