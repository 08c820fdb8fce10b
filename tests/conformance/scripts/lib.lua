-- Helpers shared by the miltertest scripts (loaded with dofile(lib)).
-- Globals given by tests/conformance/test_miltertest.py with -D:
--   sock  where aduana listens (inet:PORT@127.0.0.1)
--   exe   a message carrying a Windows executable (tests/corpus case pe_exe)

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
SUSPENDED = "suspendido.prueba@sre.gob.mx"
UNKNOWN = "nadie.existe@sre.gob.mx"
OUTSIDER = "proveedor@example.org"

CHAIN_LETTER = "Hola, esto trae buena suerte. Reenvialo a todos tus contactos hoy mismo."
EXE_REFUSAL = "Politica de correo institucional, clausula SRE 9.e: El archivo"
    .. " \"programa.exe\" es en realidad un programa ejecutable"
    .. " (application/vnd.microsoft.portable-executable) y ese tipo de archivo no esta permitido."

local reply_names = {
    [SMFIR_CONTINUE] = "CONTINUE", [SMFIR_ACCEPT] = "ACCEPT", [SMFIR_REJECT] = "REJECT",
    [SMFIR_TEMPFAIL] = "TEMPFAIL", [SMFIR_DISCARD] = "DISCARD", [SMFIR_REPLYCODE] = "REPLYCODE",
}

local function reply_name(code)
    return reply_names[code] or string.format("%q", code)
end

-- Stop the script with a message on stderr (miltertest itself does not always
-- print a script's error) and exit status 1.
function fail(message)
    io.stderr:write("FAILED: " .. message .. "\n" .. debug.traceback() .. "\n")
    os.exit(1)
end

-- Fail the script, naming the step, unless cond holds.
function check(cond, what)
    if not cond then
        fail(what)
    end
    mt.echo("ok: " .. what)
end

-- Call an mt.* function: it returns nil on success, an error string otherwise,
-- or raises a Lua error (a call the negotiated protocol does not allow).
function step(what, fn, ...)
    local called, result = pcall(fn, ...)
    if not called or result ~= nil then
        fail(what .. ": " .. tostring(result))
    end
end

function expect_reply(conn, want, what)
    local got = mt.getreply(conn)
    if got ~= want then
        fail(string.format("%s: aduana answered %s, expected %s",
            what, reply_name(got), reply_name(want)))
    end
    mt.echo("ok: " .. what .. " -> " .. reply_name(got))
end

-- A client on the internet, as the MTA reports it (never a destination: only data
-- inside the milter protocol); aduana judges its mail as inbound.
INTERNET_CLIENT = "203.0.113.25"

-- A new MTA connection from `address` (default 127.0.0.1, an internal client),
-- negotiated with libmilter's defaults.
function open_connection(address)
    local conn = mt.connect(sock, 40, 0.25)
    check(conn ~= nil, "connect to " .. sock)
    step("connection information", mt.conninfo, conn, "localhost", address or "127.0.0.1")
    expect_reply(conn, SMFIR_CONTINUE, "connect")
    -- aduana negotiates SMFIP_NOHELO: miltertest, like an MTA, then sends no HELO.
    local sent = pcall(mt.helo, conn, "client.conformance.test")
    check(not sent, "HELO is not sent to aduana (SMFIP_NOHELO)")
    return conn
end

function envelope(conn, sender, recipients)
    step("MAIL FROM " .. sender, mt.mailfrom, conn, "<" .. sender .. ">")
    expect_reply(conn, SMFIR_CONTINUE, "MAIL FROM " .. sender)
    for _, rcpt in ipairs(recipients) do
        step("RCPT TO " .. rcpt, mt.rcptto, conn, "<" .. rcpt .. ">")
        expect_reply(conn, SMFIR_CONTINUE, "RCPT TO " .. rcpt)
    end
    -- aduana negotiates SMFIP_NODATA: the MTA sends no DATA step.
    local sent = pcall(mt.data, conn)
    check(not sent, "DATA is not sent to aduana (SMFIP_NODATA)")
end

-- Header fields as {name, value} pairs, then end of headers.
function headers(conn, fields)
    for _, field in ipairs(fields) do
        step("header " .. field[1], mt.header, conn, field[1], field[2])
    end
    -- aduana negotiates SMFIP_NOEOH: the MTA sends no end-of-headers step.
    local sent = pcall(mt.eoh, conn)
    check(not sent, "end of headers is not sent to aduana (SMFIP_NOEOH)")
end

-- A plain text message, from headers to end of message.
function text_message(conn, sender, rcpt, subject, body)
    envelope(conn, sender, {rcpt})
    headers(conn, {{"From", "<" .. sender .. ">"}, {"To", "<" .. rcpt .. ">"},
        {"Subject", subject}})
    step("body", mt.bodystring, conn, body .. "\r\n")
    step("end of message", mt.eom, conn)
end

-- A message file (headers unfolded on one line each), body sent with CRLF.
function file_message(conn, sender, rcpt, path)
    local file = assert(io.open(path, "rb"))
    local raw = file:read("a")
    file:close()
    local head, body = raw:match("^(.-)\r?\n\r?\n(.*)$")
    envelope(conn, sender, {rcpt})
    local fields = {}
    for line in (head .. "\n"):gmatch("(.-)\r?\n") do
        local name, value = line:match("^([^:]+):%s*(.*)$")
        fields[#fields + 1] = {name, value}
    end
    headers(conn, fields)
    local crlf = body:gsub("\r?\n", "\r\n")
    step("body", mt.bodystring, conn, crlf)
    step("end of message", mt.eom, conn)
end

-- No header added or changed, no body change, no quarantine. (Added recipients
-- can only be checked by address: miltertest's MT_RCPTADD needs one.)
function unchanged(conn)
    return not mt.eom_check(conn, MT_HDRADD) and not mt.eom_check(conn, MT_HDRCHANGE)
        and not mt.eom_check(conn, MT_BODYCHANGE) and not mt.eom_check(conn, MT_QUARANTINE)
end
