"""Magika as a second opinion on text: accuracy on the corpus and cost per part.

Run by hand (Magika is not a dependency of aduana):

    .venv/bin/pip install magika
    .venv/bin/python -m bench.magika_eval

Every sample is a part libmagic calls text (text/plain, text/html, text/csv, ...).
Each is labelled "script" or "text" by what it is; the scripts-by-content
heuristics (`aduana.inspect.scripts`) and Magika are both scored against the
label, and both are timed. The numbers are in docs/performance.md.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

from aduana.inspect import filetype
from aduana.inspect.scripts import script_kind
from tests.corpus import active as samples

# What Magika calls a script a recipient could run (labels of the standard model).
MAGIKA_SCRIPTS = frozenset(
    {"powershell", "vba", "batch", "shell", "python", "javascript", "perl", "ruby", "php",
     "autoit", "autohotkey", "lua", "tcl", "awk", "hta"}
)  # fmt: skip

SCRIPTS: dict[str, bytes] = {
    "powershell": samples.POWERSHELL.encode(),
    "powershell-utf16": b"\xff\xfe" + samples.POWERSHELL.encode("utf-16-le"),
    "powershell-one-liner": samples.POWERSHELL_ONE_LINER.encode(),
    "vbscript": samples.VBSCRIPT.encode(),
    "jscript": samples.JSCRIPT.encode(),
    "jscript-encoded": samples.ENCODED_JSCRIPT.encode(),
    "batch-no-echo-off": samples.BATCH_NO_HEADER.encode(),
    "hta": samples.HTA.encode(),
    "python": samples.PYTHON.encode(),
    "shell-no-shebang": samples.SHELL_NO_SHEBANG.encode(),
    "js-one-line": b"var s = new ActiveXObject('WScript.Shell');\n",
}
TEXTS: dict[str, bytes] = {
    "prose-es": samples.SPANISH_PROSE.encode(),
    "csv": samples.CSV.encode(),
    "ics": samples.ICS.encode(),
    "quoted-command": samples.QUOTED_COMMAND.encode(),
    "html-ordinary-script": samples.BENIGN_HTML.encode(),
    "prose-en": b"Dear team,\nIf you set the meeting for Monday, call me.\nThanks,\nAna\n",
    "ini": b"[general]\nservidor=correo.sre.gob.mx\npuerto=587\nusuario=analista\n",
    "json": b'{"nombre": "Maria", "puesto": "Directora", "extension": 1234}\n',
    "markdown": b"# Minuta\n\n- Revisar el presupuesto\n- Import the data\n",
    "amounts": b"Total = $1,500.00\nIVA = $240.00\nGran total = $1,740.00\n",
    "begin-text": b"Buenos dias:\r\n\r\nbegin the meeting at 10.\r\nSaludos\r\n",
}


def _timed(function: Callable[[bytes], bool], data: bytes, rounds: int = 200) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        function(data)
    return (time.perf_counter() - start) / rounds


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import magika  # type: ignore[import-not-found,unused-ignore]

    rss_before = _rss_mib()
    start = time.perf_counter()
    model = magika.Magika()
    load = time.perf_counter() - start
    rss_after = _rss_mib()

    def by_magika(data: bytes) -> bool:
        return str(model.identify_bytes(data).output.label) in MAGIKA_SCRIPTS

    def by_heuristics(data: bytes) -> bool:
        return script_kind(data) is not None

    rows = []
    for truth, group in ((True, SCRIPTS), (False, TEXTS)):
        for name, data in group.items():
            libmagic = filetype.true_type(data)
            label = str(model.identify_bytes(data).output.label)
            rows.append((name, truth, libmagic, by_heuristics(data), label, by_magika(data)))
    print("| sample | is a script | libmagic | heuristics | Magika label | Magika says script |")
    print("|---|---|---|---|---|---|")
    for name, truth, libmagic, heuristic, label, magika_script in rows:
        print(f"| {name} | {truth} | {libmagic} | {heuristic} | {label} | {magika_script} |")
    for title, column in (("heuristics", 3), ("Magika", 5)):
        right = sum(1 for row in rows if row[column] == row[1])
        missed = sum(1 for row in rows if row[1] and not row[column])
        false = sum(1 for row in rows if not row[1] and row[column])
        print(f"{title}: {right}/{len(rows)} right, {missed} scripts missed, {false} false alarms")
    sample = samples.POWERSHELL.encode()
    large = samples.SPANISH_PROSE.encode() * 200  # ~100 KB of prose
    for title, function in (("heuristics", by_heuristics), ("Magika", by_magika)):
        small_ms = _timed(function, sample) * 1000
        large_ms = _timed(function, large, rounds=20) * 1000
        print(f"{title}: {small_ms:.3f} ms per small part, {large_ms:.3f} ms per 100 KB part")
    print(f"Magika model load: {load * 1000:.0f} ms; peak RSS +{rss_after - rss_before:.0f} MiB")


if __name__ == "__main__":
    main()
