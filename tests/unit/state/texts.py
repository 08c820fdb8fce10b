"""Message bodies for fingerprint tests: one mass mailing and unrelated mail."""

from __future__ import annotations

NOMINA_BODY = """Le informamos que a partir del próximo lunes 15 de marzo el sistema de nómina
estará en mantenimiento. Durante ese periodo no será posible consultar los recibos de
pago ni descargar las constancias. Le pedimos tomar sus previsiones y, en caso de dudas,
comunicarse con la Dirección General de Recursos Humanos a la extensión 4521.

Atentamente,
Coordinación de Sistemas
"""


def nomina_to(greeting: str) -> str:
    return f"{greeting}\n\n{NOMINA_BODY}"


OFICIO = """Buenos días:
Por este medio envío a usted el oficio SRE/DGA/123/2024 relativo a la adquisición de
equipo de cómputo para la representación en Madrid. Favor de revisar los anexos y enviar
sus comentarios antes del viernes. Quedo atento a cualquier duda.
Saludos cordiales
"""

JUNTA = """Compañeros, recuerden que la junta de consejo técnico se pospone para la próxima
semana por motivos de agenda del director. Se les enviará la nueva convocatoria con el
orden del día y la liga de la videoconferencia. Gracias por su comprensión.
"""

CADENA = """¡No rompas esta cadena! Reenvía este mensaje a diez personas de tu confianza y
recibirás buena suerte durante todo el año. Quien la rompió perdió su empleo en una semana,
así que no lo dudes y compártelo hoy mismo con todos tus contactos del trabajo.
"""

DISCLAIMER = """
--
Lic. Ana López Hernández
Dirección General de Recursos Humanos
Este mensaje es confidencial y está dirigido exclusivamente a su destinatario. Si usted
lo recibió por error, favor de notificarlo al remitente y borrarlo de inmediato.
"""
