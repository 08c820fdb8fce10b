"""A runtime: the settings and the directory built from one configuration.

A reload builds a whole new Runtime and swaps it in one step, so a bad file
keeps the old one running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from aduana.config.loader import Settings, load_settings
from aduana.directory.account import Directory
from aduana.directory.file import load_file_directory


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    directory: Directory


def build_runtime(config_file: Path) -> Runtime:
    """Load everything a configuration names; raises ConfigError on any problem."""
    settings = load_settings(config_file)
    directory = load_file_directory(settings.directory_path, settings.organisations)
    return Runtime(settings, directory)


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
