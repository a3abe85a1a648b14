package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes secrets out of what an upstream sent back before it reaches a client or a log: the
 * deployment's {@code api_key}, any {@code Bearer}, {@code x-api-key}, {@code api-key} or {@code
 * x-goog-api-key} value, anything shaped like a provider key ({@code sk-...}, {@code sk-ant-...}),
 * and the {@code api_base} host, each replaced with {@value #MARK}. An upstream that echoes the
 * request's headers in its error would otherwise hand the deployment's key to every caller.
 * Thread-safe; used on error paths only.
 */
public final class Redaction {
  public static final String MARK = "[redacted]";

  private static final Pattern HEADER_VALUES =
      Pattern.compile(
          "(?i)(bearer\\s+|(?:x-api-key|api-key|x-goog-api-key|authorization)\\W{1,4})"
              + "([A-Za-z0-9._~+/=\\-]{6,})");

  private static final Pattern KEY_SHAPES = Pattern.compile("\\bsk-[A-Za-z0-9_\\-]{8,}");

  private Redaction() {}

  /** {@code text} without the deployment's secrets or host. */
  public static String text(String text, LitellmParams params) {
    String out = text;
    if (params.apiKey().isPresent() && params.apiKey().get().length() >= 4) {
      out = out.replace(params.apiKey().get(), MARK);
    }
    String host = host(params);
    if (host != null && host.length() > 0) {
      out = out.replace(host, MARK);
    }
    Matcher m = HEADER_VALUES.matcher(out);
    out = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + MARK));
    return KEY_SHAPES.matcher(out).replaceAll(MARK);
  }

  /** {@code body} (UTF-8) without the deployment's secrets or host; the same bytes if it had none. */
  public static byte[] body(byte[] body, LitellmParams params) {
    String s = new String(body, StandardCharsets.UTF_8);
    String r = text(s, params);
    return r.equals(s) ? body : r.getBytes(StandardCharsets.UTF_8);
  }

  private static @org.jspecify.annotations.Nullable String host(LitellmParams params) {
    if (params.apiBase().isEmpty()) {
      return null;
    }
    try {
      URI u = new URI(params.apiBase().get());
      String h = u.getHost();
      return h == null ? null : u.getPort() < 0 ? h : h + ":" + u.getPort();
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }
}
