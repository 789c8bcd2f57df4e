#!/usr/bin/python3
"""Derive the generated message fixtures from the hand-written ones.

    /usr/bin/python3 tests/schema/make-fixtures.py          # (re)write the derived fixtures
    /usr/bin/python3 tests/schema/make-fixtures.py --check  # exit 1 if a checked-in file differs

Hand-written (real-world samples, see tests/fixtures/messages/README.md) are the inputs. This script writes:
  * tests/fixtures/messages/magda-geefhistoriekinschrijving-verzoek-wsse-dummy-signature.xml
    (the request in the WS-Security layout of the DHO profile, with DUMMY token/digest/signature values),
  * tests/fixtures/messages/dho2-raadpleegleerkredietsaldo-verzoek-99-vragen.xml (the deck's maximum),
  * tests/fixtures/messages/invalid/*.xml, each one textual mutation of a valid fixture, so that each
    breaks exactly one rule, and invalid/expected-errors.txt (file name, then a substring of the error
    that tests/schema/validate.sh must print).
Every mutation asserts that the text it replaces occurs exactly once in its base file.
"""
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
MSG = os.path.normpath(os.path.join(HERE, "..", "fixtures", "messages"))
INVALID = os.path.join(MSG, "invalid")

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PKIPATH = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1"
B64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
# base64("DUMMY-NOT-A-REAL-VALUE"): these fixtures are for schema and layout tests, never for verification.
DUMMY = "RFVNTVktTk9ULUEtUkVBTC1WQUxVRQ=="


def read(name):
    with open(os.path.join(MSG, name), encoding="utf-8") as f:
        return f.read()


def mutate(text, *pairs):
    for old, new in pairs:
        n = text.count(old)
        if n != 1:
            raise SystemExit(f"make-fixtures: {old!r} occurs {n} times, expected once")
        text = text.replace(old, new)
    return text


def replace_block(text, start_line, end_line, new):
    """Replace from the (unique) line start_line through the (unique) line end_line by new."""
    for marker in (start_line, end_line):
        if text.count(marker) != 1:
            raise SystemExit(f"make-fixtures: {marker!r} occurs {text.count(marker)} times, expected once")
    start = text.index(start_line)
    end = text.index(end_line) + len(end_line)
    return text[:start] + new + text[end:]


def verzoek_block(text):
    """The lines from <Verzoek> through </Verzoek> (each unique in text)."""
    start = text.index("      <Verzoek>\n")
    end = text.index("      </Verzoek>\n") + len("      </Verzoek>\n")
    return text[start:end]


def insz_check(nine, born_2000_or_later):
    n = int(("2" if born_2000_or_later else "") + nine)
    return 97 - n % 97


def insz(yy, mm, dd, seq):
    nine = f"{yy:02d}{mm:02d}{dd:02d}{seq:03d}"
    return nine + f"{insz_check(nine, yy < 25):02d}"


# ------------------------------------------------------------------ derived valid fixtures

def signed_layout():
    """The GeefHistoriekInschrijving request in the layout of SPEC 3 / note 3.1 (WSS4J, reference connector)."""
    base = read("magda-geefhistoriekinschrijving-verzoek.xml")
    header = f"""<soapenv:Header>
    <wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" soapenv:mustUnderstand="1">
      <wsse:BinarySecurityToken EncodingType="{B64}" ValueType="{PKIPATH}" wsu:Id="X509-5F0C6B1E2D3A4F58">{DUMMY}</wsse:BinarySecurityToken>
      <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="SIG-5F0C6B1E2D3A4F5B">
        <ds:SignedInfo>
          <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">
            <ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="soapenv web"/>
          </ds:CanonicalizationMethod>
          <ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>
          <ds:Reference URI="#id-5F0C6B1E2D3A4F5A">
            <ds:Transforms>
              <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">
                <ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="web"/>
              </ds:Transform>
            </ds:Transforms>
            <ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>
            <ds:DigestValue>{DUMMY}</ds:DigestValue>
          </ds:Reference>
        </ds:SignedInfo>
        <ds:SignatureValue>{DUMMY}</ds:SignatureValue>
        <ds:KeyInfo Id="KI-5F0C6B1E2D3A4F59">
          <wsse:SecurityTokenReference xmlns:wsse11="http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd" wsse11:TokenType="{PKIPATH}" wsu:Id="STR-5F0C6B1E2D3A4F5C">
            <wsse:Reference URI="#X509-5F0C6B1E2D3A4F58" ValueType="{PKIPATH}"/>
          </wsse:SecurityTokenReference>
        </ds:KeyInfo>
      </ds:Signature>
    </wsse:Security>
  </soapenv:Header>"""
    return mutate(
        base,
        ("<soapenv:Header/>", header),
        ("<soapenv:Body>", f'<soapenv:Body xmlns:wsu="{WSU}" wsu:Id="id-5F0C6B1E2D3A4F5A">'),
    )


def ninety_nine_vragen():
    base = read("dho2-raadpleegleerkredietsaldo-verzoek.xml")
    vragen = ["        <Vragen>\n"]
    for i in range(1, 100):
        referte = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:dho-wss:fixture:vraag:{i}")
        yy = (80 + i) % 100            # 1981 .. 1999, 2000 .. 2019
        number = insz(yy, i % 12 + 1, i % 28 + 1, (i * 37) % 997 + 1)
        vragen.append(
            f"          <Vraag>\n"
            f"            <Referte>{referte}</Referte>\n"
            f"            <Inhoud>\n"
            f"              <Criteria>\n"
            f"                <INSZ>{number}</INSZ>\n"
            f"              </Criteria>\n"
            f"            </Inhoud>\n"
            f"          </Vraag>\n")
    vragen.append("        </Vragen>\n")
    return replace_block(base, "        <Vragen>\n", "        </Vragen>\n", "".join(vragen))


# ------------------------------------------------------------------ invalid fixtures

def invalid_fixtures():
    req = "magda-geefhistoriekinschrijving-verzoek.xml"
    signed = "magda-geefhistoriekinschrijving-verzoek-wsse-dummy-signature.xml"
    dho_req = "dho2-raadpleegleerkredietsaldo-verzoek.xml"
    many = "dho2-raadpleegleerkredietsaldo-verzoek-99-vragen.xml"
    ok = "dho2-raadpleegleerkredietsaldo-repliek-ok.xml"
    br = "dho2-raadpleegleerkredietsaldo-repliek-bedrijfsregel-fout.xml"
    fault = "magda-soap-fault-xsd-validatie.xml"
    fault_wsse = "dho-soap-fault-wsse-failedcheck.xml"
    v102_req = "generiek-01.02-beheerattestinschrijvinglerende-verzoek.xml"
    v102_rep = "generiek-01.02-beheerattestinschrijvinglerende-repliek.xml"

    extra_vraag = (
        "          <Vraag>\n"
        "            <Referte>f00dcafe-0000-4000-8000-000000000100</Referte>\n"
        "            <Inhoud>\n"
        "              <Criteria>\n"
        "                <INSZ>85073003328</INSZ>\n"
        "              </Criteria>\n"
        "            </Inhoud>\n"
        "          </Vraag>\n"
        "        </Vragen>\n")
    first_ref = str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:dho-wss:fixture:vraag:1"))
    second_ref = str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:dho-wss:fixture:vraag:2"))
    req_op_open = "    <web:GeefHistoriekInschrijving>\n"
    req_op_close = "    </web:GeefHistoriekInschrijving>\n"

    # (file, base, [(old, new)...] or a function of the base text, expected error substring)
    return [
        # --- the rules the brief lists
        ("verzoek-100-vragen.xml", many,
         [("        </Vragen>\n", extra_vraag)],
         "Element 'Vraag': This element is not expected"),
        ("afzender-referte-37-chars.xml", req,
         [("<Referte>3f1c2a9e-7b4d-4c21-9a0e-5d8b6f2e1c47</Referte>",
           "<Referte>3f1c2a9e-7b4d-4c21-9a0e-5d8b6f2e1c470</Referte>")],
         "Element 'Referte': [facet 'maxLength'] The value has a length of '37'"),
        ("context-versie-bad-format.xml", req,
         [("<Versie>02.01.0000</Versie>", "<Versie>2.1.0</Versie>")],
         "Element 'Versie': [facet 'pattern'] The value '2.1.0' is not accepted"),
        ("afzender-missing-referte.xml", req,
         [("              <Referte>3f1c2a9e-7b4d-4c21-9a0e-5d8b6f2e1c47</Referte>\n", "")],
         "Element 'Hoedanigheid': This element is not expected. Expected is one of ( Naam, Referte )"),
        ("uitzondering-missing-oorsprong.xml", br,
         [("                <Oorsprong>DHO2</Oorsprong>\n", "")],
         "Element 'Type': This element is not expected. Expected is ( Oorsprong )"),
        ("generiek-01.02-uitzondering-with-oorsprong.xml", v102_rep,
         [("<Identificatie>30001</Identificatie>\n",
           "<Identificatie>30001</Identificatie>\n                <Oorsprong>MAGDA</Oorsprong>\n")],
         "Element 'Oorsprong': This element is not expected. Expected is ( Type )"),
        ("context-versie-before-naam.xml", req,
         [("          <Naam>GeefHistoriekInschrijving</Naam>\n          <Versie>02.01.0000</Versie>\n",
           "          <Versie>02.01.0000</Versie>\n          <Naam>GeefHistoriekInschrijving</Naam>\n")],
         "Element 'Versie': This element is not expected. Expected is ( Naam )"),
        ("bericht-type-unknown.xml", req,
         [("<Type>VRAAG</Type>", "<Type>VERZOEK</Type>")],
         "Element 'Type': [facet 'enumeration'] The value 'VERZOEK' is not an element of the set"),
        ("gebruiker-insz-10-digits.xml", dho_req,
         [("<Gebruiker>83620711905</Gebruiker>", "<Gebruiker>8362071190</Gebruiker>")],
         "Element 'Gebruiker': [facet 'length'] The value has a length of '10'"),
        # --- further rules of the model
        ("vraag-referte-duplicate.xml", many,
         [(f"<Referte>{second_ref}</Referte>", f"<Referte>{first_ref}</Referte>")],
         "Duplicate key-sequence ['" + first_ref + "'] in unique identity-constraint 'VraagReferteUniek'"),
        ("vragen-empty.xml", req,
         lambda text: replace_block(text, "        <Vragen>\n", "        </Vragen>\n", "        <Vragen/>\n"),
         "Element 'Vragen': Missing child element(s). Expected is ( Vraag )"),
        ("tijdstip-tijd-no-leading-zero.xml", dho_req,
         [("<Tijd>12:55:17.000</Tijd>", "<Tijd>2:55:17.000</Tijd>")],
         "Element 'Tijd': [facet 'pattern'] The value '2:55:17.000' is not accepted"),
        ("uitzondering-type-info.xml", br,
         [("<Type>FOUT</Type>", "<Type>INFO</Type>")],
         "Element 'Type': [facet 'enumeration'] The value 'INFO' is not an element of the set {'FOUT', 'WAARSCHUWING', 'INFORMATIE'}"),
        ("uitzondering-oorsprong-6-chars.xml", br,
         [("<Oorsprong>DHO2</Oorsprong>", "<Oorsprong>DHO2OV</Oorsprong>")],
         "Element 'Oorsprong': [facet 'maxLength'] The value has a length of '6'"),
        ("generiek-01.02-referte-uuid-36-chars.xml", v102_req,
         [("<Referte>XE:1072:25023:8163</Referte>", "<Referte>3f1c2a9e-7b4d-4c21-9a0e-5d8b6f2e1c47</Referte>")],
         "Element 'Referte': [facet 'maxLength'] The value has a length of '36'; this exceeds the allowed maximum length of '24'"),
        ("repliek-antwoord-without-referte.xml", ok,
         [("            <Referte>6723c408-4ec1-464d-a91d-bb4277f09dff</Referte>\n            <Inhoud>",
           "            <Inhoud>")],
         "Element 'Inhoud': This element is not expected. Expected is ( Referte )"),
        # --- envelope and operation element
        ("envelope-verzoek-directly-in-body.xml", req,
         [(req_op_open, ""), (req_op_close, "")],
         "Element 'Verzoek': This element is not expected. Expected is one of ( {http://schemas.xmlsoap.org/soap/envelope/}Fault"),
        ("envelope-verzoek-in-service-namespace.xml", req,
         [("      <Verzoek>\n", "      <web:Verzoek>\n"), ("      </Verzoek>\n", "      </web:Verzoek>\n")],
         "structure: operation element '{http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be}GeefHistoriekInschrijving' must hold an unqualified Verzoek or Repliek, found '{http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be}Verzoek'"),
        ("envelope-operation-unqualified.xml", req,
         [(req_op_open, "    <GeefHistoriekInschrijving>\n"), (req_op_close, "    </GeefHistoriekInschrijving>\n")],
         "Element 'GeefHistoriekInschrijving': This element is not expected"),
        ("envelope-repliek-in-request-operation.xml", ok,
         [("<ns3:RaadpleegLeerkredietsaldoResponse ", "<ns3:RaadpleegLeerkredietsaldo "),
          ("</ns3:RaadpleegLeerkredietsaldoResponse>", "</ns3:RaadpleegLeerkredietsaldo>")],
         "structure: operation element '{http://raadpleegleerkredietsaldo.persoondienst-01_00.dho2.ov.vlaanderen.be}RaadpleegLeerkredietsaldo' must hold a Verzoek (Repliek if and only if the name ends in 'Response'), found 'Repliek'"),
        ("envelope-operation-two-verzoeken.xml", req,
         lambda text: mutate(text, ("      </Verzoek>\n", "      </Verzoek>\n" + verzoek_block(text))),
         "structure: operation element '{http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be}GeefHistoriekInschrijving' must hold exactly one element (Verzoek or Repliek), found 2"),
        ("envelope-operation-xsi-type.xml", req,
         [(req_op_open, '    <web:GeefHistoriekInschrijving xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="InhoudType">\n')],
         "structure: attribute '{http://www.w3.org/2001/XMLSchema-instance}type' is not allowed on '{http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be}GeefHistoriekInschrijving'"),
        ("envelope-body-two-entries.xml", req,
         [(req_op_close, req_op_close + "    <web:GeefHistoriekInschrijving/>\n")],
         "Element '{http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be}GeefHistoriekInschrijving': This element is not expected"),
        ("envelope-header-after-body.xml", req,
         [("  <soapenv:Header/>\n", ""), ("  </soapenv:Body>\n", "  </soapenv:Body>\n  <soapenv:Header/>\n")],
         "Element '{http://schemas.xmlsoap.org/soap/envelope/}Header': This element is not expected"),
        ("envelope-soap-1.2-namespace.xml", req,
         [('xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
           'xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"')],
         "No matching global declaration available for the validation root"),
        ("envelope-mustunderstand-true.xml", signed,
         [('soapenv:mustUnderstand="1"', 'soapenv:mustUnderstand="true"')],
         "attribute '{http://schemas.xmlsoap.org/soap/envelope/}mustUnderstand': [facet 'pattern'] The value 'true' is not accepted"),
        ("envelope-body-unqualified-id.xml", signed,
         [('<soapenv:Body xmlns:wsu="' + WSU + '" wsu:Id="id-5F0C6B1E2D3A4F5A">',
           '<soapenv:Body Id="id-5F0C6B1E2D3A4F5A">')],
         "Element '{http://schemas.xmlsoap.org/soap/envelope/}Body', attribute 'Id': The attribute 'Id' is not allowed"),
        ("fault-missing-faultstring.xml", fault,
         [("      <faultstring>10001 Fout formaat in de vraag (XSD validatie): cvc-complex-type.2.4.a: Invalid content was found starting with element 'Gebruiker'.</faultstring>\n", "")],
         "Element '{http://schemas.xmlsoap.org/soap/envelope/}Fault': Missing child element(s). Expected is ( faultstring )"),
        ("fault-faultcode-undeclared-prefix.xml", fault_wsse,
         [(' xmlns:wsse="' + WSSE + '"', "")],
         "Element 'faultcode': The QName value 'wsse:FailedCheck' has no corresponding namespace declaration in scope"),
    ]


def build():
    files = {}
    files["magda-geefhistoriekinschrijving-verzoek-wsse-dummy-signature.xml"] = signed_layout()
    files["dho2-raadpleegleerkredietsaldo-verzoek-99-vragen.xml"] = ninety_nine_vragen()

    expected = []
    for name, base_name, pairs, expect in invalid_fixtures():
        base = files[base_name] if base_name in files else read(base_name)
        text = pairs(base) if callable(pairs) else mutate(base, *pairs)
        files[os.path.join("invalid", name)] = text
        expected.append(f"{name} {expect}")
    files[os.path.join("invalid", "expected-errors.txt")] = "\n".join(expected) + "\n"
    return files


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] not in ([], ["--check"]):
        raise SystemExit("usage: make-fixtures.py [--check]")
    stale = []
    for rel, text in build().items():
        path = os.path.join(MSG, rel)
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                current = f.read()
        if current == text:
            continue
        if check:
            stale.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path)}")
    if stale:
        print("make-fixtures: out of date (run tests/schema/make-fixtures.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
