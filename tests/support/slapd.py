"""A private OpenLDAP slapd on 127.0.0.1 for tests: free port, temp dir, generated tree.

with SlapdServer(tmp_path) as server:        # loads SAMPLE_TREE with slapadd
    server.url                               # ldap://127.0.0.1:PORT
    server.stop()                            # simulate an outage
    server.start()                           # same port, same data

Needs the Debian packages ``slapd`` (and ``ldap-utils`` for poking at it by hand).
The tree mimics both an OpenLDAP directory (``mailAlternateAddress``,
``accountStatus``) and Active Directory (``memberOf``, ``userAccountControl``,
``sAMAccountName``) through a small test-only schema.
"""

from __future__ import annotations

import base64
import socket
import subprocess
from pathlib import Path

from tests.support.server_process import ServerProcess

LOOPBACK = "127.0.0.1"
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
DEBIAN_SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=gob,dc=mx"
SERVICE_DN = f"cn=aduana,{SUFFIX}"
SERVICE_PASSWORD = "lectura-de-prueba"  # a throwaway test instance
SRE_PEOPLE = f"ou=people,dc=sre,{SUFFIX}"
EDUGEM_PEOPLE = f"ou=people,dc=edugem,{SUFFIX}"
EXTERNAL_PEOPLE = f"ou=externos,{SUFFIX}"
SRE_SUSPENDED_GROUP = f"cn=correo-suspendido,ou=groups,dc=sre,{SUFFIX}"

# OIDs under OpenLDAP's experimental arc: fine for a throwaway test instance.
TEST_SCHEMA = """\
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1.1 NAME 'mailAlternateAddress'
  EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1.2 NAME 'accountStatus'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1.3 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1.4 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1.5 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.77.2.1 NAME 'aduanaTestMailbox'
  SUP top AUXILIARY
  MAY ( mailAlternateAddress $ accountStatus $ memberOf $ userAccountControl $
        sAMAccountName ) )
"""


def _person(dn: str, **attributes: str | tuple[str, ...]) -> str:
    lines = [f"dn: {dn}", "objectClass: inetOrgPerson", "objectClass: aduanaTestMailbox"]
    for name, value in attributes.items():
        values = value if isinstance(value, tuple) else (value,)
        lines.extend(f"{name}:: {_b64(v)}" for v in values)
    return "\n".join(lines)


def _b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def sample_tree() -> str:
    """The LDIF of the sample directory in ``config/directory/cuentas.yaml``, LDAP-style."""
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: gob\no: gob",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: aduana\nuserPassword: {SERVICE_PASSWORD}",
        f"dn: dc=sre,{SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: sre\no: SRE",
        f"dn: {SRE_PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,dc=sre,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: {SRE_SUSPENDED_GROUP}\nobjectClass: groupOfNames\ncn: correo-suspendido\n"
        f"member: uid=suspendido.prueba,{SRE_PEOPLE}",
        _person(
            f"uid=analista.prueba,{SRE_PEOPLE}",
            uid="analista.prueba",
            cn="Analista de Prueba",
            sn="Prueba",
            mail="analista.prueba@sre.gob.mx",
            mailAlternateAddress="aprueba@sre.gob.mx",
            title="Jefe de Departamento",
            ou="Dirección General de Comunicaciones e Informática",
        ),
        _person(
            f"uid=director.prueba,{SRE_PEOPLE}",
            uid="director.prueba",
            cn="Director de Prueba",
            sn="Prueba",
            mail="director.prueba@sre.gob.mx",
            title="Director General",
            ou="Dirección General de Comunicaciones e Informática",
            accountStatus="activo",
        ),
        _person(
            f"uid=suspendido.prueba,{SRE_PEOPLE}",
            uid="suspendido.prueba",
            cn="Usuario Suspendido",
            sn="Suspendido",
            mail="suspendido.prueba@sre.gob.mx",
            title="Enlace",
            ou="Dirección General de Servicios Consulares",
            memberOf=SRE_SUSPENDED_GROUP,
        ),
        _person(
            f"uid=cancelado.prueba,{SRE_PEOPLE}",
            uid="cancelado.prueba",
            cn="Usuario Cancelado",
            sn="Cancelado",
            mail="cancelado.prueba@sre.gob.mx",
            title="Operativo",
            ou="Dirección General de Servicios Consulares",
            accountStatus="baja",
        ),
        f"dn: dc=edugem,{SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
        "dc: edugem\no: Edugem",
        f"dn: {EDUGEM_PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        _person(
            f"uid=mprueba,{EDUGEM_PEOPLE}",
            uid="mprueba",
            sAMAccountName="mprueba",
            cn="Maestra de Prueba",
            sn="Prueba",
            mail="maestra.prueba@edugem.gob.mx",
            title="Profesora",
            ou="Escuela Secundaria Oficial No. 1",
            userAccountControl="512",
        ),
        _person(
            f"uid=director.udai,{EDUGEM_PEOPLE}",
            uid="director.udai",
            cn="Director de la UDAI",
            sn="UDAI",
            mail="director.udai@edugem.gob.mx",
            mailAlternateAddress="mesadeservicios@edugem.gob.mx",
            title="DIRECTOR DE AREA",
            ou="Unidad de Desarrollo Administrativo e Informática",
        ),
        _person(
            f"uid=baja.prueba,{EDUGEM_PEOPLE}",
            uid="baja.prueba",
            cn="Docente Dado de Baja",
            sn="Baja",
            mail="baja.prueba@edugem.gob.mx",
            title="Docente",
            ou="Escuela Primaria Oficial No. 2",
            userAccountControl="514",
        ),
        f"dn: {EXTERNAL_PEOPLE}\nobjectClass: organizationalUnit\nou: externos",
        _person(
            f"uid=ti.prueba,{EXTERNAL_PEOPLE}",
            uid="ti.prueba",
            cn="Titular de TI de Prueba",
            sn="Prueba",
            mail="ti.prueba@seiem.edu.mx",
            title="Subdirector",
            ou="Unidad de Tecnologías de la Información",
        ),
        _person(
            f"uid=ajeno,{EXTERNAL_PEOPLE}",
            uid="ajeno",
            cn="Cuenta Ajena",
            sn="Ajena",
            mail="ajeno@example.com",
            title="Director General",
        ),
    ]
    return "\n\n".join(entries) + "\n"


def slapd_available() -> bool:
    return Path(SLAPD).exists() and Path(SLAPADD).exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False


class SlapdServer(ServerProcess):
    """One slapd process over one mdb database; `start` and `stop` may be repeated."""

    def __init__(
        self, workdir: Path, ldif: str | None = None, port: int | None = None, *, tls: bool = False
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.tls = tls
        self._ldif = sample_tree() if ldif is None else ldif
        super().__init__()
        self._loaded = False

    @property
    def url(self) -> str:
        return f"ldap://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate (for 127.0.0.1) that StartTLS presents, when ``tls``."""
        return self.workdir / "tls" / "cert.pem"

    def _make_certificate(self) -> str:
        folder = self.ca_file.parent
        folder.mkdir(parents=True, exist_ok=True)
        key = folder / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", f"/CN={LOOPBACK}", "-addext", f"subjectAltName=IP:{LOOPBACK}",
                "-keyout", str(key), "-out", str(self.ca_file),
            ],
            capture_output=True,
            check=True,
        )  # fmt: skip
        return f"TLSCertificateFile {self.ca_file}\nTLSCertificateKeyFile {key}\n"

    @property
    def _conf(self) -> Path:
        return self.workdir / "slapd.conf"

    def _write_config(self) -> None:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        (self.workdir / "aduana-test.schema").write_text(TEST_SCHEMA)
        schemas = ("core", "cosine", "inetorgperson")
        includes = "\n".join(f"include {DEBIAN_SCHEMA / name}.schema" for name in schemas)
        tls = self._make_certificate() if self.tls else ""
        self._conf.write_text(
            f"""{includes}
include {self.workdir / "aduana-test.schema"}
pidfile {self.workdir / "slapd.pid"}
argsfile {self.workdir / "slapd.args"}
modulepath {MODULES}
moduleload back_mdb
loglevel none
{tls}
database mdb
maxsize 16777216
suffix "{SUFFIX}"
directory {data}
index objectClass eq
index mail,mailAlternateAddress,uid,sAMAccountName eq
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by * none
"""
        )

    def _load(self) -> None:
        self._write_config()
        tree = self.workdir / "tree.ldif"
        tree.write_text(self._ldif)
        result = subprocess.run(
            [SLAPADD, "-f", str(self._conf), "-l", str(tree)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"slapadd failed:\n{result.stderr}")
        self._loaded = True

    def start(self, timeout: float = 5.0) -> None:
        if self.running:
            return
        if not self._loaded:
            self._load()
        log = (self.workdir / "slapd.log").open("ab")
        # -d 0 keeps slapd in the foreground, so the fixture owns the process.
        command = [SLAPD, "-f", str(self._conf), "-h", f"{self.url}/", "-d", "0"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self._await_ready(
            lambda: _accepts(self.port), timeout, f"slapd on port {self.port}",
            self.workdir / "slapd.log",
        )  # fmt: skip
