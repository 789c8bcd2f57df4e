#!/usr/bin/env python3
"""The independent HTTPS peer of the client tests (tests/client/): Python's http.server + ssl (OpenSSL),
standard library only, plus the xmlsec1 scripts of tests/interop/xmlsec1/ (xmlsec1, openssl, python3-lxml).

  server.py --root REPO --cert CERT.pem --key KEY.pem --log LOG.jsonl

Listens on 127.0.0.1 (a free port, printed as "PORT <n>" on the first line of stdout), requires a TLS client
certificate from testdata/pki/ca.pem, checks each request's WS-Security signature with xmlsec1
(tests/interop/xmlsec1/verify.sh) and answers by scenario, chosen by the URL path:

  /ok                 a Repliek answering every Vraag, signed by the provider's test identity with xmlsec1
  /503-then-200       first attempt per Vraag Referte: 503 text/plain; then as /ok
  /throttle-then-200  first attempt: HTTP 500 with MAGDA's throttle Fault (99995, unsigned); then as /ok
  /always-503         503 text/plain, every time
  /status-404         404 text/plain
  /stall              never answers (sleeps 30 s)
  /truncated          a Content-Length of the whole reply, half of it, then the connection is closed
  /huge               a 300 000-byte body without Content-Length (read until close)
  /huge-declared      the same with its Content-Length
  /unsigned           an unsigned Repliek
  /wrong-signer       a Repliek signed by another institution's certificate (other.*) from the same CA
  /bad-referte        a signed Repliek whose Antwoord Referte answers no Vraag
  /fault              HTTP 500 with a Fault (faultcode soapenv:Client, "30001 - Ongeldige vraag") signed by the provider

Every POST is appended to LOG.jsonl as one JSON object: scenario, time (monotonic seconds), bericht (Afzender
Referte), vragen (Vraag Refertes), signature (SignatureValue), verified (bool, xmlsec1's verdict), verify
(its output), content_type, soapaction, client_cn (the TLS client certificate's CN).
"""
import argparse
import datetime
import http.server
import json
import os
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DS = "http://www.w3.org/2000/09/xmldsig#"
MAX_REQUEST = 1 << 20

ARGS = None
LOCK = threading.Lock()
SEEN = {}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def parse_verzoek(body):
    root = ET.fromstring(body)
    b = root.find("{%s}Body" % SOAP)
    op = list(b)[0]
    ns, local = op.tag[1:].split("}")
    v = op.find("Verzoek")
    ctx = v.find("Context")
    afz = ctx.find("Bericht/Afzender")
    sig = root.find(".//{%s}SignatureValue" % DS)
    return {
        "ns": ns, "op": local,
        "naam": ctx.findtext("Naam"), "versie": ctx.findtext("Versie"),
        "afzender_id": afz.findtext("Identificatie"), "bericht": afz.findtext("Referte"),
        "vragen": [q.findtext("Referte") for q in v.find("Vragen").findall("Vraag")],
        "signature": "".join(sig.text.split()) if sig is not None and sig.text else None,
    }


def repliek(info, antwoord_refertes):
    now = datetime.datetime.now()
    antwoorden = "".join(
        "<Antwoord><Referte>%s</Referte><Inhoud><Melding>OK</Melding><Echo>%s</Echo></Inhoud></Antwoord>"
        % (escape(r), escape(r)) for r in antwoord_refertes)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Header/><soapenv:Body>'
            '<ns:%sResponse xmlns:ns="%s"><Repliek><Context><Naam>%s</Naam><Versie>%s</Versie><Bericht>'
            '<Type>ANTWOORD</Type><Tijdstip><Datum>%s</Datum><Tijd>%s</Tijd></Tijdstip>'
            '<Afzender><Identificatie>dho.ov.vlaanderen.be</Identificatie><Referte>%s</Referte></Afzender>'
            '<Ontvanger><Identificatie>%s</Identificatie><Referte>%s</Referte></Ontvanger>'
            '</Bericht></Context><Antwoorden>%s</Antwoorden></Repliek></ns:%sResponse>'
            '</soapenv:Body></soapenv:Envelope>\n') % (
        SOAP, info["op"], escape(info["ns"], {'"': "&quot;"}), escape(info["naam"]), escape(info["versie"]),
        now.strftime("%Y-%m-%d"), now.strftime("%H:%M:%S.000"), uuid.uuid4(),
        escape(info["afzender_id"]), escape(info["bericht"]), antwoorden, info["op"])


FAULT = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Header/><soapenv:Body><soapenv:Fault>'
         '<faultcode>soapenv:Client</faultcode><faultstring>30001 - Ongeldige vraag</faultstring>'
         '</soapenv:Fault></soapenv:Body></soapenv:Envelope>\n') % SOAP


def sign(xml, who):
    """xmlsec1 signs `xml` with the test identity `who` (provider or other)."""
    pki = os.path.join(ARGS.root, "testdata/pki")
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "in.xml"), os.path.join(d, "out.xml")
        with open(src, "w") as f:
            f.write(xml)
        ok, log = run(["bash", os.path.join(ARGS.root, "tests/interop/xmlsec1/sign.sh"),
                       os.path.join(pki, who + ".key.pem"), os.path.join(pki, who + ".crt.pem"), src, out])
        if not ok:
            raise RuntimeError("xmlsec1 sign: " + log)
        with open(out, "rb") as f:
            return f.read()


def verify(body):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "req.xml")
        with open(path, "wb") as f:
            f.write(body)
        return run(["bash", os.path.join(ARGS.root, "tests/interop/xmlsec1/verify.sh"),
                    os.path.join(ARGS.root, "testdata/pki/ca.pem"), path])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, content_type="text/xml; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        scenario = self.path.split("?")[0].strip("/")
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_REQUEST:
            return self.reply(413, b"too large", "text/plain")
        body = self.rfile.read(length)
        try:
            info = parse_verzoek(body)
        except Exception as e:  # noqa: BLE001 - any unreadable request is a 400
            return self.reply(400, ("not a Verzoek: %s" % e).encode(), "text/plain")
        verified, verify_log = verify(body)
        cert = self.connection.getpeercert() or {}
        cn = [v for rdn in cert.get("subject", ()) for (k, v) in rdn if k == "commonName"]
        key = (scenario, info["vragen"][0] if info["vragen"] else "")
        with LOCK:
            SEEN[key] = SEEN.get(key, 0) + 1
            attempt = SEEN[key]
            with open(ARGS.log, "a") as log:
                log.write(json.dumps({
                    "scenario": scenario, "time": time.monotonic(), "bericht": info["bericht"],
                    "vragen": info["vragen"], "signature": info["signature"], "verified": verified,
                    "verify": verify_log, "content_type": self.headers.get("Content-Type"),
                    "soapaction": self.headers.get("SOAPAction"), "client_cn": cn[0] if cn else None,
                    "attempt": attempt}) + "\n")
        if not verified:
            return self.reply(500, FAULT.replace("30001 - Ongeldige vraag", "wsse:FailedCheck").encode())
        first = attempt == 1
        if scenario == "ok" or (scenario in ("503-then-200", "throttle-then-200") and not first):
            return self.reply(200, sign(repliek(info, info["vragen"]), "provider"))
        if scenario == "503-then-200" or scenario == "always-503":
            return self.reply(503, b"Service Unavailable", "text/plain")
        if scenario == "throttle-then-200":
            with open(os.path.join(ARGS.root, "tests/fixtures/messages/magda-soap-fault-throttling.xml"), "rb") as f:
                return self.reply(500, f.read())
        if scenario == "status-404":
            return self.reply(404, b"Not Found", "text/plain")
        if scenario == "stall":
            time.sleep(30)
            return self.reply(200, b"too late", "text/plain")
        if scenario == "truncated":
            whole = sign(repliek(info, info["vragen"]), "provider")
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=UTF-8")
            self.send_header("Content-Length", str(len(whole)))
            self.end_headers()
            self.wfile.write(whole[: len(whole) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if scenario in ("huge", "huge-declared"):
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=UTF-8")
            if scenario == "huge-declared":
                self.send_header("Content-Length", str(300000))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(300):
                    self.wfile.write(b"<a>" + b"x" * 993 + b"</a>")
            except OSError:
                pass  # the client stops reading at its limit
            self.close_connection = True
            return
        if scenario == "unsigned":
            return self.reply(200, repliek(info, info["vragen"]).encode())
        if scenario == "wrong-signer":
            return self.reply(200, sign(repliek(info, info["vragen"]), "other"))
        if scenario == "bad-referte":
            return self.reply(200, sign(repliek(info, [str(uuid.uuid4())]), "provider"))
        if scenario == "fault":
            return self.reply(500, sign(FAULT, "provider"))
        return self.reply(404, b"unknown scenario", "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # refused handshakes and clients that went away are part of the tests


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ARGS = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    ctx.load_verify_locations(os.path.join(ARGS.root, "testdata/pki/ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("PORT %d" % httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
