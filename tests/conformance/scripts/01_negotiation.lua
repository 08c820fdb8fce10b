-- Option negotiation: aduana asks for the actions it uses and skips what it never reads.
dofile(lib)

local conn = mt.connect(sock, 40, 0.25)
check(conn ~= nil, "connect to " .. sock)
step("negotiate with libmilter's defaults", mt.negotiate, conn, nil, nil, nil)

-- Actions: tag headers, subject prefix, journal/legal-hold copies, quarantine.
check(mt.test_action(conn, SMFIF_ADDHDRS), "requests SMFIF_ADDHDRS (tag headers)")
check(mt.test_action(conn, SMFIF_CHGHDRS), "requests SMFIF_CHGHDRS (subject prefix)")
check(mt.test_action(conn, SMFIF_ADDRCPT), "requests SMFIF_ADDRCPT (journal copies)")
check(mt.test_action(conn, SMFIF_QUARANTINE), "requests SMFIF_QUARANTINE (hold for review)")

-- Steps it decides on are delivered and answered.
for name, option in pairs({NOMAIL = SMFIP_NOMAIL, NORCPT = SMFIP_NORCPT, NOHDRS = SMFIP_NOHDRS,
        NOBODY = SMFIP_NOBODY, NR_MAIL = SMFIP_NR_MAIL}) do
    check(not mt.test_option(conn, option), "does not ask for SMFIP_" .. name)
end
-- Steps that only feed the transaction are not waited for (pymilter's @noreply).
for name, option in pairs({NR_CONN = SMFIP_NR_CONN, NR_RCPT = SMFIP_NR_RCPT,
        NR_HDR = SMFIP_NR_HDR, NR_BODY = SMFIP_NR_BODY}) do
    check(mt.test_option(conn, option), "asks for SMFIP_" .. name)
end
-- HELO, unknown commands, DATA and end of headers are never read.
for name, option in pairs({NOHELO = SMFIP_NOHELO, NOUNKNOWN = SMFIP_NOUNKNOWN,
        NODATA = SMFIP_NODATA, NOEOH = SMFIP_NOEOH}) do
    check(mt.test_option(conn, option), "asks for SMFIP_" .. name)
end

step("connection information after negotiation", mt.conninfo, conn, "localhost", "127.0.0.1")
expect_reply(conn, SMFIR_CONTINUE, "connect")
mt.disconnect(conn)
