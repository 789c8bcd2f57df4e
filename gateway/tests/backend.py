#!/usr/bin/env python3
"""A counting HTTP backend for the gateway tests (standard library only).

POST any path: reads the forwarded (unsigned) Verzoek, answers each Vraag with a Repliek whose
Inhoud says how many times that Referte was executed here (<Uitvoering>N</Uitvoering>) and which
gateway instance asked. Modes (argv[1]): `ok`, `fail` (HTTP 503), `garbage` (200, not XML),
`hang` (never answers), `wrong` (answers another Referte), `slow` (ok after 150 ms).
GET /counts: {"referte": count, ...} as JSON; GET /calls: one line per answered call,
`referte gateway start end` (gateway = the X-DHO-Gateway-Instance header; seconds since the epoch).
Prints `listening on PORT` once bound to 127.0.0.1 (port 0 = any free port).
"""
import json, re, sys, threading, time, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

MODE = sys.argv[1] if len(sys.argv) > 1 else "ok"
LOCK = threading.Lock()
COUNTS = {}
CALLS = []

REPLY = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>
<op:{naam}Response xmlns:op="{ns}"><Repliek><Context><Naam>{naam}</Naam><Versie>{versie}</Versie>
<Bericht><Type>ANTWOORD</Type><Tijdstip><Datum>2026-01-01</Datum><Tijd>10:00:00.000</Tijd></Tijdstip>
<Afzender><Identificatie>backend</Identificatie><Referte>{afz}</Referte></Afzender></Bericht></Context>
<Antwoorden>{antwoorden}</Antwoorden></Repliek></op:{naam}Response></soapenv:Body></soapenv:Envelope>"""
ANTWOORD = "<Antwoord><Referte>{r}</Referte><Inhoud><Uitvoering>{n}</Uitvoering><Instelling>{i}</Instelling></Inhoud></Antwoord>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="text/xml; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            if self.path == "/counts":
                body = json.dumps(COUNTS).encode()
            else:
                body = "".join("%s %s %.6f %.6f\n" % (c["referte"], c["gateway"], c["start"], c["end"]) for c in CALLS).encode()
        self.send(200, body, "text/plain")

    def do_POST(self):
        start = time.time()
        length = int(self.headers.get("Content-Length", "0"))
        text = self.rfile.read(length).decode("utf-8")
        if "Security" in text:
            return self.send(400, b"the gateway must strip the Security header")
        m = re.search(r"<([\w.-]+:)?(\w+)[^>]*xmlns(:[\w.-]+)?=\"(http://webservice[^\"]+)\"", text)
        naam = re.search(r"<Naam>([^<]+)</Naam>", text).group(1)
        versie = re.search(r"<Versie>([^<]+)</Versie>", text).group(1)
        ns = m.group(4)
        vragen = re.findall(r"<Vraag>\s*<Referte>([^<]+)</Referte>", text)
        instelling = self.headers.get("X-DHO-Instellingsnummer", "?")
        if MODE == "fail":
            return self.send(503, b"backend down")
        if MODE == "garbage":
            return self.send(200, b"this is not XML <<<")
        if MODE == "hang":
            time.sleep(3600)
            return
        if MODE == "slow":
            time.sleep(0.15)
        antwoorden = []
        with LOCK:
            for r in vragen:
                COUNTS[r] = COUNTS.get(r, 0) + 1
                n = COUNTS[r]
                answered = "other-" + r[:30] if MODE == "wrong" else r
                antwoorden.append(ANTWOORD.format(r=answered, n=n, i=instelling))
        body = REPLY.format(naam=naam, ns=ns, versie=versie, afz=uuid.uuid4(), antwoorden="".join(antwoorden)).encode()
        try:
            self.send(200, body)
        finally:
            # Also when the gateway died before reading the reply (the call still executed).
            with LOCK:
                for r in vragen:
                    CALLS.append({"referte": r, "start": start, "end": time.time(),
                                  "gateway": self.headers.get("X-DHO-Gateway-Instance", "")})


def main():
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
