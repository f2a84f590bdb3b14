package dev.rotator.health.etcd;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds an {@link SSLContext} from the PEM files etcd deployments use (kubeadm's {@code
 * /etc/kubernetes/pki/etcd/ca.crt}, {@code healthcheck-client.crt}, {@code
 * healthcheck-client.key}), with the JDK only.
 *
 * <p>Reads certificates (one or several per file) and unencrypted private keys in PKCS#8 ({@code
 * BEGIN PRIVATE KEY}: RSA, EC, Ed25519), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what kubeadm
 * writes) and SEC1 ({@code BEGIN EC PRIVATE KEY}). Encrypted keys are refused: a gate cannot ask
 * for a passphrase.
 *
 * <p>Verification is never relaxed: without a CA file the JVM's default trust store is used, and
 * the JDK HttpClient checks the server's name (or IP SAN) against the endpoint.
 */
public final class PemTls {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);

  /** The in-memory key store needs some password; it never leaves this process. */
  private static final char[] STORE_PASSWORD = "rotator-in-memory".toCharArray();

  private static final byte[] OID_RSA_ENCRYPTION = {
    0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };
  private static final byte[] OID_EC_PUBLIC_KEY = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };
  private static final byte[] DER_NULL = {0x05, 0x00};
  private static final byte[] DER_INTEGER_ZERO = {0x02, 0x01, 0x00};

  private PemTls() {}

  /**
   * An SSLContext trusting {@code caFile} (or the JVM's defaults when null) and presenting {@code
   * certFile} with {@code keyFile} as client certificate (none when both are null).
   *
   * @throws InvalidTlsMaterialException when a file is missing, unreadable or not usable
   */
  public static SSLContext sslContext(Path caFile, Path certFile, Path keyFile) {
    if ((certFile == null) != (keyFile == null)) {
      throw new InvalidTlsMaterialException("a client certificate needs both certFile and keyFile");
    }
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile == null) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        List<Certificate> cas = readCertificates(caFile);
        for (int i = 0; i < cas.size(); i++) {
          trust.setCertificateEntry("ca-" + i, cas.get(i));
        }
        tmf.init(trust);
      }
      KeyManager[] keyManagers = null;
      if (certFile != null) {
        List<Certificate> chain = readCertificates(certFile);
        PrivateKey key = readPrivateKey(keyFile);
        KeyStore identity = KeyStore.getInstance("PKCS12");
        identity.load(null, null);
        identity.setKeyEntry("client", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, STORE_PASSWORD);
        keyManagers = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new InvalidTlsMaterialException("cannot build the TLS context: " + e.getMessage(), e);
    }
  }

  /** Every certificate in a PEM file, in file order (leaf first for a chain). */
  public static List<Certificate> readCertificates(Path file) {
    byte[] bytes = read(file);
    try {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes));
      if (certs.isEmpty()) {
        throw new InvalidTlsMaterialException(file + " holds no certificate");
      }
      return new ArrayList<>(certs);
    } catch (GeneralSecurityException e) {
      throw new InvalidTlsMaterialException(
          file + " is not a PEM certificate file: " + e.getMessage(), e);
    }
  }

  /** The first private key in a PEM file (PKCS#8, PKCS#1 RSA or SEC1 EC; unencrypted). */
  public static PrivateKey readPrivateKey(Path file) {
    String text = new String(read(file), StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      String body = m.group(2);
      if (type.equals("ENCRYPTED PRIVATE KEY") || body.contains("ENCRYPTED")) {
        throw new InvalidTlsMaterialException(
            file
                + " holds an encrypted key; rotator cannot ask for a passphrase, store it"
                + " unencrypted (openssl pkey -in KEY -out KEY.plain) and protect the file"
                + " instead");
      }
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der = base64(file, body);
      return switch (type) {
        case "PRIVATE KEY" -> pkcs8(file, der);
        case "RSA PRIVATE KEY" ->
            decode(file, "RSA", wrapPkcs8(der(0x30, OID_RSA_ENCRYPTION, DER_NULL), der));
        case "EC PRIVATE KEY" ->
            decode(
                file, "EC", wrapPkcs8(der(0x30, OID_EC_PUBLIC_KEY, sec1CurveOid(file, der)), der));
        default -> throw new InvalidTlsMaterialException(file + ": unsupported key type " + type);
      };
    }
    throw new InvalidTlsMaterialException(file + " holds no PEM private key");
  }

  private static PrivateKey pkcs8(Path file, byte[] der) {
    for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Not this algorithm; PKCS#8 names it inside, but trying the few TLS key types is simpler.
      }
    }
    throw new InvalidTlsMaterialException(file + ": PKCS#8 key of an unsupported algorithm");
  }

  private static PrivateKey decode(Path file, String alg, byte[] pkcs8) {
    try {
      return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new InvalidTlsMaterialException(
          file + ": unreadable " + alg + " key: " + e.getMessage(), e);
    }
  }

  /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING key }. */
  private static byte[] wrapPkcs8(byte[] algorithmIdentifier, byte[] key) {
    return der(0x30, DER_INTEGER_ZERO, algorithmIdentifier, der(0x04, key));
  }

  /**
   * The named curve's OID from a SEC1 {@code ECPrivateKey ::= SEQUENCE { version, privateKey OCTET
   * STRING, [0] parameters, [1] publicKey }}; PKCS#8 needs it in the AlgorithmIdentifier.
   */
  private static byte[] sec1CurveOid(Path file, byte[] der) {
    try {
      int[] seq = tlv(der, 0);
      if (der[0] != 0x30) {
        throw new InvalidTlsMaterialException(file + ": EC key is not a DER SEQUENCE");
      }
      int pos = seq[0];
      int end = seq[0] + seq[1];
      while (pos < end) {
        int tag = der[pos] & 0xff;
        int[] field = tlv(der, pos);
        if (tag == 0xa0) {
          int oidStart = field[0];
          int[] oid = tlv(der, oidStart);
          if (der[oidStart] != 0x06) {
            break;
          }
          byte[] out = new byte[oid[0] + oid[1] - oidStart];
          System.arraycopy(der, oidStart, out, 0, out.length);
          return out;
        }
        pos = field[0] + field[1];
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new InvalidTlsMaterialException(file + ": truncated EC key", e);
    }
    throw new InvalidTlsMaterialException(
        file + ": EC key names no curve; convert it with openssl pkcs8 -topk8 -nocrypt");
  }

  /** {contentStart, contentLength} of the DER element at {@code pos}. */
  private static int[] tlv(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3) {
        throw new InvalidTlsMaterialException("unsupported DER length encoding");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[start + i] & 0xff);
      }
      start += n;
    }
    if (start + len > der.length) {
      throw new ArrayIndexOutOfBoundsException("DER element overruns its buffer");
    }
    return new int[] {start, len};
  }

  private static byte[] der(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    int len = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }

  private static byte[] base64(Path file, String body) {
    try {
      return Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new InvalidTlsMaterialException(file + ": broken base64 in PEM block", e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidTlsMaterialException("cannot read " + file + ": " + e, e);
    }
  }
}
