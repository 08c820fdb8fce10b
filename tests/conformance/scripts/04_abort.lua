-- An abort in the middle of a message drops it: the next message on the connection
-- is decided on its own content only.
dofile(lib)

local conn = open_connection()
envelope(conn, JEFE, {OUTSIDER})
headers(conn, {{"From", "<" .. JEFE .. ">"}, {"To", "<" .. OUTSIDER .. ">"},
    {"Subject", "Informe"}})
step("half a body", mt.bodystring, conn, "RESERVADO\r\n\r\nPrimera parte del informe.\r\n")
step("abort in the middle of the body", mt.abort, conn)

text_message(conn, JEFE, OUTSIDER, "Saludos", "Saludos cordiales desde la oficina.")
expect_reply(conn, SMFIR_CONTINUE, "end of the message after the abort")
check(unchanged(conn), "the message after the abort is not held nor tagged")
mt.disconnect(conn)
