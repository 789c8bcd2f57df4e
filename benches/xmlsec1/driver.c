/*
 * libxmlsec1 (OpenSSL back-end) reference for the dho-wss WS-Security benchmarks.
 *
 *   xmlsec1-driver sign   KEY.pem CERT.pem TEMPLATE.xml N [OUT.xml]
 *   xmlsec1-driver verify KEY.pem CERT.pem SIGNED.xml   N
 *
 * Loads the private key (sign) or the certificate's public key (verify) once, reads the input
 * file once, then does N complete operations in one process and prints
 *
 *   ns_per_op <nanoseconds per operation (the mean)>
 *   ns_median <nanoseconds of the median operation>
 *
 * Start-up (library initialization, key loading, reading the file) is not timed. One operation
 * is what a service does per message:
 *   sign:   parse the template (an envelope with an unsigned ds:Signature), register the Body's
 *           wsu:Id, compute digest and signature (xmlSecDSigCtxSign), serialize the document;
 *   verify: parse the signed envelope, register the Body's wsu:Id, verify (xmlSecDSigCtxVerify)
 *           with the preloaded public key; the status must be "succeeded" every time.
 * No certificate path validation happens here (xmlsec is given the key); dho-wss's figures
 * with a cached chain are the comparable ones. OUT.xml receives the last signed document so the
 * caller can check that it equals dho-wss's output.
 *
 * Build: benches/xmlsec1/build.sh OUTDIR   (gcc, pkg-config, Debian libxmlsec1-dev)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>

#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

static const xmlChar SOAP11_NS[] = "http://schemas.xmlsoap.org/soap/envelope/";
static const xmlChar WSU_NS[] =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

static void die(const char *what) {
    fprintf(stderr, "xmlsec1-driver: %s\n", what);
    exit(1);
}

static char *read_file(const char *path, int *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open input");
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek input");
    long n = ftell(f);
    if (n <= 0 || n > (1L << 30)) die("bad input size");
    rewind(f);
    char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read input");
    fclose(f);
    *len = (int)n;
    return buf;
}

/* Registers wsu:Id of soap:Body (and of any wsu:Timestamp) as an ID, as WSS4J/xmlsec1 --id-attr do. */
static void add_ids(xmlDocPtr doc, xmlNodePtr node) {
    for (xmlNodePtr cur = node; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE) continue;
        if (cur->ns && (xmlStrEqual(cur->name, BAD_CAST "Body") && xmlStrEqual(cur->ns->href, SOAP11_NS))) {
            xmlAttrPtr attr = xmlHasNsProp(cur, BAD_CAST "Id", WSU_NS);
            if (!attr) die("soap:Body has no wsu:Id");
            xmlChar *value = xmlNodeListGetString(doc, attr->children, 1);
            if (!value || !xmlAddID(NULL, doc, value, attr)) die("xmlAddID failed");
            xmlFree(value);
            /* Nothing inside the Body is referenced. */
            continue;
        }
        add_ids(doc, cur->children);
    }
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 6) die("usage: xmlsec1-driver sign|verify KEY.pem CERT.pem IN.xml N [OUT.xml]");
    int sign = strcmp(argv[1], "sign") == 0;
    if (!sign && strcmp(argv[1], "verify") != 0) die("first argument: sign or verify");
    long n = strtol(argv[5], NULL, 10);
    if (n < 1) die("N must be at least 1");
    const char *out_path = argc > 6 ? argv[6] : NULL;

    xmlInitParser();
    LIBXML_TEST_VERSION
    if (xmlSecInit() < 0) die("xmlSecInit failed");
    if (xmlSecCheckVersion() != 1) die("loaded xmlsec library version is not compatible");
    if (xmlSecCryptoAppInit(NULL) < 0) die("xmlSecCryptoAppInit failed");
    if (xmlSecCryptoInit() < 0) die("xmlSecCryptoInit failed");

    xmlSecKeyPtr key;
    if (sign) {
        key = xmlSecCryptoAppKeyLoad(argv[2], xmlSecKeyDataFormatPem, NULL, NULL, NULL);
        if (!key) die("cannot load the private key");
        if (xmlSecCryptoAppKeyCertLoad(key, argv[3], xmlSecKeyDataFormatPem) < 0) die("cannot load the certificate");
    } else {
        key = xmlSecCryptoAppKeyLoad(argv[3], xmlSecKeyDataFormatCertPem, NULL, NULL, NULL);
        if (!key) die("cannot load the certificate's public key");
    }

    int len = 0;
    char *input = read_file(argv[4], &len);

    double *times = malloc(sizeof(double) * (size_t)n);
    if (!times) die("out of memory");
    double start = now_ns();
    for (long i = 0; i < n; i++) {
        double op_start = now_ns();
        xmlDocPtr doc = xmlReadMemory(input, len, NULL, NULL, XML_PARSE_NONET);
        if (!doc || !xmlDocGetRootElement(doc)) die("parse failed");
        add_ids(doc, xmlDocGetRootElement(doc));
        xmlNodePtr sig = xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs);
        if (!sig) die("no ds:Signature");
        xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
        if (!ctx) die("xmlSecDSigCtxCreate failed");
        ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
        ctx->signKey = xmlSecKeyDuplicate(key);
        if (!ctx->signKey) die("xmlSecKeyDuplicate failed");
        if (sign) {
            if (xmlSecDSigCtxSign(ctx, sig) < 0) die("signing failed");
            xmlChar *out = NULL;
            int out_len = 0;
            xmlDocDumpMemory(doc, &out, &out_len);
            if (!out || out_len <= 0) die("serializing failed");
            if (out_path && i == n - 1) {
                FILE *f = fopen(out_path, "wb");
                if (!f || fwrite(out, 1, (size_t)out_len, f) != (size_t)out_len) die("cannot write OUT");
                fclose(f);
            }
            xmlFree(out);
        } else {
            if (xmlSecDSigCtxVerify(ctx, sig) < 0) die("verification error");
            if (ctx->status != xmlSecDSigStatusSucceeded) die("signature does not verify");
        }
        xmlSecDSigCtxDestroy(ctx);
        xmlFreeDoc(doc);
        times[i] = now_ns() - op_start;
    }
    double elapsed = now_ns() - start;
    printf("ns_per_op %.1f\n", elapsed / (double)n);
    qsort(times, (size_t)n, sizeof(double), compare_doubles);
    printf("ns_median %.1f\n", n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2);
    free(times);

    free(input);
    xmlSecKeyDestroy(key);
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    xmlCleanupParser();
    return 0;
}
