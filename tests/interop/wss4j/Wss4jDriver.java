// WSS4J (Apache WSS4J 1.6.19, Debian libwss4j-java) peer for dho-wss interop tests.
//
//   sign   --p12 FILE --password PW [--alias A] | --key KEY.pem --cert CERT.pem [--chain CA.pem]...
//          [--token x509v3|pkipath] [--timestamp [--ttl SECONDS]] [--sha256] IN.xml OUT.xml
//   verify --ca CA.pem [--ca CA2.pem]... IN.xml
//
// Exit status: 0 success; 1 signing/verification failed; 2 usage or I/O error. On failure a single
// line "wss4j-driver: ..." goes to stderr (set WSS4J_DRIVER_DEBUG=1 for a stack trace).
// The sign settings mirror the MAGDA reference connector (DocumentSigner.java): mustUnderstand
// security header, BST direct reference, exc-c14n, RSA-SHA1 + SHA-1, only the SOAP Body signed.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.security.auth.x500.X500Principal;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

public class Wss4jDriver {

    static final String RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    static final String SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/";

    static final class Fail extends Exception {
        final int code;
        Fail(int code, String msg) { super(msg); this.code = code; }
    }

    public static void main(String[] argv) {
        // Silence commons-logging (WSS4J) before any WSS4J class is loaded; slf4j-nop handles Santuario.
        System.setProperty("org.apache.commons.logging.Log", "org.apache.commons.logging.impl.NoOpLog");
        boolean debug = System.getenv("WSS4J_DRIVER_DEBUG") != null;
        try {
            if (argv.length == 0) throw new Fail(2, "usage: sign ... IN.xml OUT.xml | verify --ca CA.pem IN.xml");
            String cmd = argv[0];
            List<String> args = new ArrayList<>(List.of(argv).subList(1, argv.length));
            if (cmd.equals("sign")) {
                sign(args);
            } else if (cmd.equals("verify")) {
                System.out.println("OK " + verify(args));
            } else {
                throw new Fail(2, "unknown command '" + cmd + "' (expected sign or verify)");
            }
            System.exit(0);
        } catch (Fail f) {
            if (debug) f.printStackTrace();
            System.err.println("wss4j-driver: " + oneLine(f.getMessage()));
            System.exit(f.code);
        } catch (Throwable t) {
            if (debug) t.printStackTrace();
            System.err.println("wss4j-driver: " + oneLine(describe(t)));
            System.exit(2);
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.getClass().getSimpleName() + ": " + t.getMessage());
        Throwable c = t.getCause();
        for (int i = 0; c != null && i < 3; i++, c = c.getCause()) {
            sb.append(" / caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    static String oneLine(String s) {
        return s == null ? "(no message)" : s.replaceAll("\\s+", " ").trim();
    }

    // ---------------------------------------------------------------- argument parsing

    static final class Opts {
        final Map<String, List<String>> values = new HashMap<>();
        final List<String> positional = new ArrayList<>();

        Opts(List<String> args, List<String> withValue, List<String> flags) throws Fail {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.startsWith("--")) {
                    if (withValue.contains(a)) {
                        if (i + 1 >= args.size()) throw new Fail(2, a + " needs a value");
                        values.computeIfAbsent(a, k -> new ArrayList<>()).add(args.get(++i));
                    } else if (flags.contains(a)) {
                        values.computeIfAbsent(a, k -> new ArrayList<>()).add("true");
                    } else {
                        throw new Fail(2, "unknown option " + a);
                    }
                } else {
                    positional.add(a);
                }
            }
        }

        String one(String k) { List<String> v = values.get(k); return v == null ? null : v.get(v.size() - 1); }
        List<String> all(String k) { return values.getOrDefault(k, List.of()); }
        boolean has(String k) { return values.containsKey(k); }
    }

    // ---------------------------------------------------------------- XML I/O

    static Document parse(String path) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setCoalescing(false);           // keep CDATA sections as they are
        f.setExpandEntityReferences(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(null);
        try (InputStream in = new FileInputStream(path)) {
            return b.parse(in, new File(path).toURI().toString());
        }
    }

    /** Serializes without indentation and always without an XML declaration, UTF-8. */
    static byte[] serialize(Document doc) throws Exception {
        Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        t.setOutputProperty(OutputKeys.INDENT, "no");
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        t.setOutputProperty(OutputKeys.METHOD, "xml");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        t.transform(new DOMSource(doc), new StreamResult(out));
        return out.toByteArray();
    }

    static Element soapBody(Document doc) throws Fail {
        Element env = doc.getDocumentElement();
        if (!"Envelope".equals(env.getLocalName()) || !SOAP11_NS.equals(env.getNamespaceURI())) {
            throw new Fail(2, "document element is not a SOAP 1.1 Envelope");
        }
        Element body = org.apache.ws.security.util.WSSecurityUtil.findBodyElement(doc);
        if (body == null) throw new Fail(2, "no SOAP 1.1 Body");
        return body;
    }

    // ---------------------------------------------------------------- keys

    static List<X509Certificate> readCerts(String path) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = new FileInputStream(path)) {
            Collection<? extends Certificate> cs = cf.generateCertificates(in);
            for (Certificate c : cs) out.add((X509Certificate) c);
        }
        if (out.isEmpty()) throw new Fail(2, "no certificate in " + path);
        return out;
    }

    static PrivateKey readPkcs8Pem(String path) throws Exception {
        String pem = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----").matcher(pem);
        if (!m.find()) throw new Fail(2, path + ": expected an unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String alg : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException e) {
                // try the next algorithm
            }
        }
        throw new Fail(2, path + ": unsupported private key algorithm");
    }

    static String subjectOf(X509Certificate c) {
        Map<String, String> oids = new HashMap<>();
        oids.put("2.5.4.5", "serialNumber");
        return c.getSubjectX500Principal().getName(X500Principal.RFC2253, oids);
    }

    // ---------------------------------------------------------------- sign

    static void sign(List<String> args) throws Exception {
        Opts o = new Opts(args,
            List.of("--p12", "--password", "--alias", "--key", "--cert", "--chain", "--token", "--ttl"),
            List.of("--timestamp", "--sha256"));
        if (o.positional.size() != 2) throw new Fail(2, "sign needs IN.xml OUT.xml");
        String token = o.has("--token") ? o.one("--token") : "x509v3";
        if (!token.equals("x509v3") && !token.equals("pkipath")) throw new Fail(2, "--token must be x509v3 or pkipath");
        if (o.has("--ttl") && !o.has("--timestamp")) throw new Fail(2, "--ttl needs --timestamp");

        String alias;
        String password;
        KeyStore ks;
        if (o.has("--p12")) {
            if (o.has("--key") || o.has("--cert")) throw new Fail(2, "use either --p12 or --key/--cert");
            password = o.one("--password");
            if (password == null) throw new Fail(2, "--p12 needs --password");
            ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(o.one("--p12"))) {
                ks.load(in, password.toCharArray());
            }
            alias = o.one("--alias");
            if (alias == null) {
                for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
                    String a = e.nextElement();
                    if (ks.isKeyEntry(a)) { alias = a; break; }
                }
                if (alias == null) throw new Fail(2, "no key entry in " + o.one("--p12"));
            } else if (!ks.isKeyEntry(alias)) {
                throw new Fail(2, "no key entry with alias '" + alias + "' in " + o.one("--p12"));
            }
        } else if (o.has("--key") && o.has("--cert")) {
            // PEM input (handy for the negative certificates): build an in-memory keystore.
            alias = "signer";
            password = "in-memory";
            List<X509Certificate> chain = new ArrayList<>(readCerts(o.one("--cert")));
            for (String c : o.all("--chain")) chain.addAll(readCerts(c));
            ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(alias, readPkcs8Pem(o.one("--key")), password.toCharArray(),
                chain.toArray(new X509Certificate[0]));
        } else {
            throw new Fail(2, "sign needs --p12 FILE --password PW, or --key KEY.pem --cert CERT.pem");
        }

        Document doc = parse(o.positional.get(0));
        soapBody(doc);

        org.apache.ws.security.WSSConfig.init();
        org.apache.ws.security.components.crypto.Merlin crypto = new org.apache.ws.security.components.crypto.Merlin();
        crypto.setKeyStore(ks);

        org.apache.ws.security.message.WSSecHeader secHeader = new org.apache.ws.security.message.WSSecHeader();
        secHeader.setMustUnderstand(true);
        secHeader.insertSecurityHeader(doc);

        List<org.apache.ws.security.WSEncryptionPart> parts = new ArrayList<>();
        parts.add(new org.apache.ws.security.WSEncryptionPart("Body", SOAP11_NS, ""));

        if (o.has("--timestamp")) {
            org.apache.ws.security.message.WSSecTimestamp ts = new org.apache.ws.security.message.WSSecTimestamp();
            ts.setTimeToLive(o.has("--ttl") ? Integer.parseInt(o.one("--ttl")) : 300);
            ts.build(doc, secHeader); // prepends wsu:Timestamp to the (still empty) security header
            parts.add(new org.apache.ws.security.WSEncryptionPart("Timestamp",
                org.apache.ws.security.WSConstants.WSU_NS, ""));
        }

        org.apache.ws.security.message.WSSecSignature sig = new org.apache.ws.security.message.WSSecSignature();
        sig.setUserInfo(alias, password);
        sig.setKeyIdentifierType(org.apache.ws.security.WSConstants.BST_DIRECT_REFERENCE);
        sig.setSigCanonicalization(org.apache.ws.security.WSConstants.C14N_EXCL_OMIT_COMMENTS);
        if (o.has("--sha256")) {
            sig.setSignatureAlgorithm(RSA_SHA256);
            sig.setDigestAlgo(org.apache.ws.security.WSConstants.SHA256);
        } else {
            sig.setSignatureAlgorithm(org.apache.ws.security.WSConstants.RSA_SHA1);
            sig.setDigestAlgo(org.apache.ws.security.WSConstants.SHA1);
        }
        sig.setUseSingleCertificate(!token.equals("pkipath"));
        sig.setParts(parts);

        // Same sequence as the reference connector: prepare, references, signature appended to the
        // header (after the Timestamp, if any), then the BST prepended -> BST, [Timestamp], Signature.
        sig.prepare(doc, crypto, secHeader);
        List<javax.xml.crypto.dsig.Reference> refs = sig.addReferencesToSign(parts, secHeader);
        sig.computeSignature(refs, false, null);
        sig.prependBSTElementToHeader(secHeader);

        Files.write(Paths.get(o.positional.get(1)), serialize(doc));
    }

    // ---------------------------------------------------------------- verify

    static String verify(List<String> args) throws Exception {
        Opts o = new Opts(args, List.of("--ca"), List.of());
        if (o.positional.size() != 1) throw new Fail(2, "verify needs exactly one IN.xml");
        if (!o.has("--ca")) throw new Fail(2, "verify needs at least one --ca CA.pem");

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int n = 0;
        for (String path : o.all("--ca")) {
            for (X509Certificate c : readCerts(path)) trust.setCertificateEntry("ca-" + (n++), c);
        }

        Document doc = parse(o.positional.get(0));
        Element body = soapBody(doc);

        org.apache.ws.security.WSSConfig.init();
        org.apache.ws.security.components.crypto.Merlin crypto = new org.apache.ws.security.components.crypto.Merlin();
        crypto.setTrustStore(trust);

        org.apache.ws.security.WSSecurityEngine engine = new org.apache.ws.security.WSSecurityEngine();
        engine.setWssConfig(org.apache.ws.security.WSSConfig.getNewInstance());
        List<org.apache.ws.security.WSSecurityEngineResult> results;
        try {
            results = engine.processSecurityHeader(doc, null, null, crypto);
        } catch (org.apache.ws.security.WSSecurityException e) {
            throw new Fail(1, "WSSecurityException: " + e.getMessage());
        }
        if (results == null || results.isEmpty()) throw new Fail(1, "no wsse:Security header for us");

        X509Certificate signer = null;
        boolean bodySigned = false;
        int signatures = 0;
        for (org.apache.ws.security.WSSecurityEngineResult r : results) {
            Integer action = (Integer) r.get(org.apache.ws.security.WSSecurityEngineResult.TAG_ACTION);
            if (action == null || action != org.apache.ws.security.WSConstants.SIGN) continue;
            signatures++;
            signer = (X509Certificate) r.get(org.apache.ws.security.WSSecurityEngineResult.TAG_X509_CERTIFICATE);
            @SuppressWarnings("unchecked")
            List<org.apache.ws.security.WSDataRef> refs = (List<org.apache.ws.security.WSDataRef>)
                r.get(org.apache.ws.security.WSSecurityEngineResult.TAG_DATA_REF_URIS);
            if (refs != null) {
                for (org.apache.ws.security.WSDataRef ref : refs) {
                    if (ref.getProtectedElement() == body) bodySigned = true;
                }
            }
        }
        if (signatures == 0) throw new Fail(1, "no signature in the security header");
        if (signatures > 1) throw new Fail(1, "more than one signature (" + signatures + ")");
        if (!bodySigned) throw new Fail(1, "the signature does not cover the SOAP Body");
        if (signer == null) throw new Fail(1, "no signer certificate");
        return subjectOf(signer);
    }
}
