package io.kubedsr.e2e.lab;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster CA and an API server certificate signed by it (ECDSA P-256, valid for a day), in PEM: what a
 * cluster's {@code ca.crt} and its API server's serving certificate are. BouncyCastle builds the X.509 structures
 * (it is on the test class path through fabric8's mock server).
 */
public record TestCertificates(String caPem, String serverCertPem, String serverKeyPem) {

    /** A CA, and a server certificate for {@code ips} and {@code dnsNames}. */
    public static TestCertificates create(List<String> ips, List<String> dnsNames) {
        try {
            KeyPairGenerator keys = KeyPairGenerator.getInstance("EC");
            keys.initialize(256);
            Instant now = Instant.now();
            Date from = Date.from(now.minus(Duration.ofHours(1)));
            Date to = Date.from(now.plus(Duration.ofDays(1)));

            KeyPair caKeys = keys.generateKeyPair();
            X500Name caName = new X500Name("CN=kube-dsr-e2e-ca");
            X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKeys.getPublic());
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate());
            X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(ca.build(signer));

            KeyPair serverKeys = keys.generateKeyPair();
            X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to,
                    new X500Name("CN=kube-apiserver"), serverKeys.getPublic());
            List<GeneralName> names = new ArrayList<>();
            ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
            server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            server.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            X509Certificate serverCert = new JcaX509CertificateConverter().getCertificate(server.build(signer));
            return new TestCertificates(pem("CERTIFICATE", caCert.getEncoded()), pem("CERTIFICATE", serverCert.getEncoded()),
                    pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot make test certificates: " + e, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
