"""A runtime: the settings and the directory built from one configuration.

A reload builds a whole new Runtime and swaps it in one step, so a bad file
keeps the old one running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from aduana.clock import Clock
from aduana.config.directory import FileDirectorySettings
from aduana.config.errors import ConfigError, Problem
from aduana.config.loader import Settings, load_settings
from aduana.directory.account import Directory
from aduana.directory.file import load_file_directory
from aduana.gateway.antivirus import ClamdScanner, VirusScanner
from aduana.policy.vocabulary import VOCABULARY

DirectoryStateListener = Callable[[bool, str], None]


def _ignore_state(healthy: bool, reason: str) -> None:
    """For one-shot commands (check-config, explain), which report no metrics."""


@runtime_checkable
class ClosableDirectory(Directory, Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    directory: Directory
    scanner: VirusScanner | None = None
    """clamd, when aduana.yaml names it (`antivirus`)."""

    def close(self) -> None:
        """Release what the runtime holds (LDAP connections) after it was replaced."""
        if isinstance(self.directory, ClosableDirectory):
            self.directory.close()


def build_runtime(
    config_file: Path,
    *,
    clock: Clock = time.monotonic,
    on_directory_state: DirectoryStateListener = _ignore_state,
) -> Runtime:
    """Load everything a configuration names; raises ConfigError on any problem."""
    settings = load_settings(config_file, VOCABULARY)
    antivirus = settings.daemon.antivirus
    scanner = ClamdScanner(antivirus) if antivirus is not None else None
    return Runtime(settings, _build_directory(settings, clock, on_directory_state), scanner)


def _build_directory(
    settings: Settings, clock: Clock, on_state: DirectoryStateListener
) -> Directory:
    directory = settings.daemon.directory
    if isinstance(directory, FileDirectorySettings):
        return load_file_directory(settings.path(directory.path), settings.organisations)
    resolved = directory.model_copy(
        update={
            name: settings.path(value)
            for name in ("ca_file", "bind_password_file")
            if (value := getattr(directory, name)) is not None
        }
    )
    # ldap3 is loaded only when a configuration names LDAP (~16 MB per process).
    from aduana.directory.ldap import LdapDirectory

    try:
        return LdapDirectory(resolved, settings.organisations, clock, on_state)
    except ValueError as error:
        raise ConfigError([Problem(settings.config_file, ("directory",), str(error))]) from error


class RuntimeHolder:
    """Holds the runtime in force; connections take it once, when they open."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()

    @property
    def current(self) -> Runtime:
        return self._runtime

    def swap(self, runtime: Runtime) -> None:
        with self._lock:
            self._runtime = runtime
