-- Headers, body and end of message: a tag adds headers and changes the subject;
-- an executable is refused with the clause in the reply; the body is never changed.
dofile(lib)

local conn = open_connection(INTERNET_CLIENT)
text_message(conn, OUTSIDER, JEFE, "Suerte", CHAIN_LETTER)
expect_reply(conn, SMFIR_CONTINUE, "end of a chain letter")
check(mt.eom_check(conn, MT_HDRADD, "X-Aduana-Verdict", "tag"), "adds X-Aduana-Verdict: tag")
check(mt.eom_check(conn, MT_HDRADD, "X-Aduana-Rules", "content.chain_letter (SRE 9.h)"),
    "adds X-Aduana-Rules naming the rule and clause")
check(mt.getheader(conn, "X-Aduana-Score", 0) == "content.chain_letter=2", "adds X-Aduana-Score")
check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[ADUANA] Suerte"), "prefixes the subject")
check(not mt.eom_check(conn, MT_BODYCHANGE), "leaves the body alone")
check(not mt.eom_check(conn, MT_QUARANTINE), "does not quarantine a tagged message")

step("RSET", mt.abort, conn)
file_message(conn, OUTSIDER, JEFE, exe)
expect_reply(conn, SMFIR_REPLYCODE, "end of a message carrying an executable")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", EXE_REFUSAL),
    "refuses with 550 5.7.1 naming the file, its true type and clause SRE 9.e")
check(not mt.eom_check(conn, MT_HDRADD), "adds no header to a refused message")
mt.disconnect(conn)
