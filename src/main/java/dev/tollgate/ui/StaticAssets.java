package dev.tollgate.ui;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * The UI's script and style sheet, read from the jar once: htmx from its webjar and the UI's own
 * CSS. Each is served under a name that changes with its content, so browsers may cache it for a
 * year. Immutable.
 */
final class StaticAssets {
  private static final String WEBJAR = "META-INF/resources/webjars/htmx.org/";
  private static final String CACHE = "public, max-age=31536000, immutable";

  private record Asset(Buffer bytes, String contentType) {}

  private final Map<String, Asset> byName;
  private final String htmxPath;
  private final String cssPath;

  private StaticAssets(Map<String, Asset> byName, String htmxPath, String cssPath) {
    this.byName = Map.copyOf(byName);
    this.htmxPath = htmxPath;
    this.cssPath = cssPath;
  }

  static StaticAssets load() {
    String version = htmxVersion();
    String htmx = "htmx-" + version + ".min.js";
    byte[] css = read("dev/tollgate/ui/ui.css");
    String cssName = "ui-" + HexFormat.of().formatHex(sha256(css), 0, 6) + ".css";
    return new StaticAssets(
        Map.of(
            htmx,
            new Asset(
                Buffer.buffer(read(WEBJAR + version + "/dist/htmx.min.js")),
                "text/javascript; charset=utf-8"),
            cssName,
            new Asset(Buffer.buffer(css), "text/css; charset=utf-8")),
        "/ui/static/" + htmx,
        "/ui/static/" + cssName);
  }

  String htmxPath() {
    return htmxPath;
  }

  String cssPath() {
    return cssPath;
  }

  void serve(RoutingContext ctx) {
    Asset a = byName.get(ctx.pathParam("name"));
    if (a == null) {
      ctx.next();
      return;
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, a.contentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, CACHE)
        .end(a.bytes());
  }

  /** The htmx version the webjar on the class path carries. */
  private static String htmxVersion() {
    Properties p = new Properties();
    try (InputStream in = open("META-INF/maven/org.webjars.npm/htmx.org/pom.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String v = p.getProperty("version");
    if (v == null) {
      throw new IllegalStateException("the htmx webjar's pom.properties has no version");
    }
    return v;
  }

  private static byte[] read(String resource) {
    try (InputStream in = open(resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String resource) {
    InputStream in = StaticAssets.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException(resource + " is missing from the jar");
    }
    return in;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}
