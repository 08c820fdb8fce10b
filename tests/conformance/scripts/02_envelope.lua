-- Connect, HELO, MAIL and RCPT: envelope rules refuse at MAIL FROM, before any data.
dofile(lib)

local conn = open_connection()

step("MAIL FROM an active account", mt.mailfrom, conn, "<" .. JEFE .. ">")
expect_reply(conn, SMFIR_CONTINUE, "MAIL FROM an active account")
step("RCPT TO an outside address", mt.rcptto, conn, "<" .. OUTSIDER .. ">")
expect_reply(conn, SMFIR_CONTINUE, "RCPT TO an outside address")
step("RSET", mt.abort, conn)

for _, sender in ipairs({UNKNOWN, SUSPENDED}) do
    step("MAIL FROM " .. sender, mt.mailfrom, conn, "<" .. sender .. ">")
    expect_reply(conn, SMFIR_REPLYCODE, "MAIL FROM " .. sender .. " is refused with a reply")
    step("RSET", mt.abort, conn)
end

-- SRE 7.a: a Jefe de Departamento may send 5 MiB; a declared SIZE above it is refused.
step("MAIL FROM with SIZE=12 MiB", mt.mailfrom, conn, "<" .. JEFE .. ">", "SIZE=12582912")
expect_reply(conn, SMFIR_REPLYCODE, "MAIL FROM with SIZE above the rank's cap")
step("RSET", mt.abort, conn)

-- SRE 17: the logged-in account must own the envelope sender.
mt.macro(conn, SMFIC_MAIL, "{auth_authen}", DIRECTOR)
step("MAIL FROM someone else's address", mt.mailfrom, conn, "<" .. JEFE .. ">")
expect_reply(conn, SMFIR_REPLYCODE, "MAIL FROM an address the login does not own")
step("RSET", mt.abort, conn)

mt.macro(conn, SMFIC_MAIL, "{auth_authen}", JEFE)
step("MAIL FROM the login's own address", mt.mailfrom, conn, "<" .. JEFE .. ">")
expect_reply(conn, SMFIR_CONTINUE, "MAIL FROM the login's own address")
mt.disconnect(conn)
