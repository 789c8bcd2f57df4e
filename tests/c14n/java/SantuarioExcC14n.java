// Independent cross-check for make-expected.py: Exclusive C14N 1.0 with the
// Apache Santuario implementation bundled in the JDK (java.xml.crypto), on a
// W3C DOM built by the JDK's own parser -- no libxml2 involved.
//
// Usage: java SantuarioExcC14n MANIFEST
// MANIFEST lines: input.xml <TAB> selector <TAB> comments(0|1) <TAB> prefixes|- <TAB> output
// Selector semantics are those of oracle.py ("/", "NAME", "NAME#N").
import com.sun.org.apache.xml.internal.security.Init;
import com.sun.org.apache.xml.internal.security.c14n.Canonicalizer;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.*;

public class SantuarioExcC14n {
    public static void main(String[] args) throws Exception {
        Init.init();
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setCoalescing(false);
        f.setExpandEntityReferences(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        int failures = 0;
        for (String line : lines) {
            if (line.isEmpty()) continue;
            String[] c = line.split("\t", -1);
            try {
                Document doc = f.newDocumentBuilder().parse(new File(c[0]));
                Node node = select(doc, c[1]);
                Canonicalizer can = Canonicalizer.getInstance(c[2].equals("1")
                        ? Canonicalizer.ALGO_ID_C14N_EXCL_WITH_COMMENTS
                        : Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
                ByteArrayOutputStream os = new ByteArrayOutputStream();
                can.canonicalizeSubtree(node, c[3].equals("-") ? null : c[3], os);
                Files.write(Paths.get(c[4]), os.toByteArray());
            } catch (Exception e) {
                failures++;
                System.err.println("santuario: " + c[0] + " " + c[1] + ": " + e);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    static Node select(Document doc, String sel) {
        if (sel.equals("/")) return doc;
        String local = sel;
        int n = 1;
        int hash = sel.indexOf('#');
        if (hash >= 0) {
            local = sel.substring(0, hash);
            n = Integer.parseInt(sel.substring(hash + 1));
        }
        NodeList l = doc.getElementsByTagNameNS("*", local); // document (pre-)order
        if (n < 1 || n > l.getLength()) throw new IllegalArgumentException("no element " + sel);
        return l.item(n - 1);
    }
}
