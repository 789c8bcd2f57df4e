#!/usr/bin/python3
"""lxml timings for benches/xml.rs: parse, exclusive c14n of the SOAP Body, both.

Usage: /usr/bin/python3 benches/compare_lxml.py FILE.xml...
Prints JSON: {"lxml": ver, "libxml2": ver, "results": [{"file", "bytes", "parse",
"c14n_body", "parse_c14n_body"}]} with seconds per call. Each figure is the
median of 7 rounds of as many calls as fit in ~0.15 s, exactly as the Rust side
(median_secs in benches/xml.rs) measures. The parser is oracle.py's hardened
one (no entity expansion, no network, default size limits).
"""

import json
import sys
import time

try:
    from lxml import etree
except ImportError:
    sys.exit("compare_lxml.py needs lxml: run it with /usr/bin/python3 (Debian python3-lxml)")

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}Body"


def parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_blank_text=False, strip_cdata=False, load_dtd=False,
                           ns_clean=False, recover=False, collect_ids=False)


def median_secs(f):
    start = time.perf_counter()
    f()
    once = max(time.perf_counter() - start, 1e-7)
    n = max(1, min(100000, int(0.15 / once)))
    rounds = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(n):
            f()
        rounds.append((time.perf_counter() - t) / n)
    rounds.sort()
    return rounds[3]


def main(paths):
    p = parser()
    results = []
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()

        def parse():
            return etree.fromstring(data, p)

        def c14n(root):
            return etree.tostring(root.find(SOAP), method="c14n", exclusive=True, with_comments=False)

        root = parse()
        assert len(c14n(root)) > 0
        results.append({
            "file": path,
            "bytes": len(data),
            "parse": median_secs(parse),
            "c14n_body": median_secs(lambda: c14n(root)),
            "parse_c14n_body": median_secs(lambda: c14n(parse())),
        })
    json.dump({"lxml": ".".join(map(str, etree.LXML_VERSION)),
               "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
               "results": results}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
