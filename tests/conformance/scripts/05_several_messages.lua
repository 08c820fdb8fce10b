-- Several messages on one connection: each verdict and its changes belong to that
-- message alone.
dofile(lib)

local conn = open_connection(INTERNET_CLIENT)

text_message(conn, OUTSIDER, JEFE, "Suerte", CHAIN_LETTER)
expect_reply(conn, SMFIR_CONTINUE, "first message (chain letter)")
check(mt.eom_check(conn, MT_HDRADD, "X-Aduana-Verdict", "tag"), "first message is tagged")

text_message(conn, OUTSIDER, JEFE, "Agenda", "La reunion es el martes a las diez.")
expect_reply(conn, SMFIR_CONTINUE, "second message (benign)")
check(unchanged(conn), "second message carries nothing over from the first")

file_message(conn, OUTSIDER, JEFE, exe)
expect_reply(conn, SMFIR_REPLYCODE, "third message (executable)")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", EXE_REFUSAL), "third is refused")

text_message(conn, OUTSIDER, JEFE, "Gracias", "Gracias por la informacion.")
expect_reply(conn, SMFIR_CONTINUE, "fourth message (benign, after a refusal)")
check(unchanged(conn), "fourth message carries nothing over from the refusal")
mt.disconnect(conn)
