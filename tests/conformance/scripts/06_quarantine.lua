-- A RESERVADO marking leaving the institution is quarantined with the clause as reason.
dofile(lib)

local conn = open_connection()
text_message(conn, JEFE, OUTSIDER, "Informe", "RESERVADO\r\n\r\nAdjunto el informe.")
expect_reply(conn, SMFIR_ACCEPT, "end of a message marked RESERVADO")
check(mt.eom_check(conn, MT_QUARANTINE, "SRE 9.i: dlp.classified_marking"),
    "quarantines it, the reason naming clause SRE 9.i and the rule")
check(not mt.eom_check(conn, MT_BODYCHANGE), "leaves the body alone")

text_message(conn, JEFE, OUTSIDER, "Saludos", "Saludos cordiales.")
expect_reply(conn, SMFIR_CONTINUE, "next message on the connection")
check(not mt.eom_check(conn, MT_QUARANTINE), "the next message is not quarantined")
mt.disconnect(conn)
