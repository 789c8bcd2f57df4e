#!/usr/bin/env python3
"""A small OAuth token endpoint for the dho-wss tests: it verifies an RFC 7523 client
assertion with PyJWT against a registered JWK, as ACM/IDM does, and returns a token.

  token_server.py verify JWK.json AUD CLIENT_ID JWT   -> prints OK, or the reason and exits 1
  token_server.py serve  JWK.json AUD CLIENT_ID        -> serves on 127.0.0.1 (port on stdout),
                                                         POST /token, client_credentials grant

Checks: RS256 signature with the key whose kid the header names (unknown kid -> invalid_client),
iss = sub = client id, aud, exp (not expired, exp - iat <= 600 s), iat, jti present and not
replayed. The server stops after 60 s or after 20 requests (tests are bounded).
"""
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
from jwt import PyJWK

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def check(jwk_json, aud, client_id, token, seen):
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256":
        raise ValueError("alg is not RS256")
    if header.get("kid") != jwk_json.get("kid"):
        raise ValueError("unknown kid %r" % header.get("kid"))
    key = PyJWK(jwk_json).key
    claims = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=aud,
        issuer=client_id,
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )
    if claims["sub"] != client_id:
        raise ValueError("sub is not the client id")
    if claims["exp"] - claims["iat"] > 600:
        raise ValueError("lifetime over 600 s")
    if claims["jti"] in seen:
        raise ValueError("jti replayed")
    seen.add(claims["jti"])
    return claims


def serve(jwk_json, aud, client_id):
    seen = set()
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            state["requests"] += 1
            length = int(self.headers.get("Content-Length", "0"))
            if self.path != "/token" or length > 65536:
                return self.reply(400, {"error": "invalid_request"})
            if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                return self.reply(400, {"error": "invalid_request", "error_description": "content type"})
            form = urllib.parse.parse_qs(self.rfile.read(length).decode(), strict_parsing=True)
            one = {k: v[0] for k, v in form.items() if len(v) == 1}
            if one.get("grant_type") != "client_credentials":
                return self.reply(400, {"error": "unsupported_grant_type"})
            if one.get("client_assertion_type") != ASSERTION_TYPE or one.get("client_id") != client_id:
                return self.reply(401, {"error": "invalid_client", "error_description": "client"})
            try:
                check(jwk_json, aud, client_id, one.get("client_assertion", ""), seen)
            except Exception as e:  # every verification failure is invalid_client
                return self.reply(401, {"error": "invalid_client", "error_description": str(e)})
            body = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300}
            if "scope" in one:
                body["scope"] = one["scope"]
            self.reply(200, body)

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 1
    print(server.server_address[1], flush=True)
    deadline = time.time() + 60
    while time.time() < deadline and state["requests"] < 20:
        server.handle_request()


def main():
    mode, jwk_path, aud, client_id = sys.argv[1:5]
    with open(jwk_path) as f:
        jwk_json = json.load(f)
    if mode == "verify":
        try:
            claims = check(jwk_json, aud, client_id, sys.argv[5], set())
        except Exception as e:
            print("REJECTED %s: %s" % (type(e).__name__, e))
            sys.exit(1)
        print("OK " + json.dumps(claims, sort_keys=True))
    elif mode == "serve":
        serve(jwk_json, aud, client_id)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
