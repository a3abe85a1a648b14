package dev.tollgate.provider;

import dev.tollgate.config.LitellmParams;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a deployment's credentials out of what clients and logs see: URLs without their user-info
 * and query, and upstream error text with every secret of the deployment, anything that looks like
 * a key ({@code Bearer ...}, {@code x-api-key: ...}, {@code sk-...}), and for relayed errors the
 * deployment's host, replaced by {@code [redacted]}. An upstream's error may echo the request's
 * headers, and with them the deployment's key. Stateless; used on error paths only.
 */
public final class Redaction {
  public static final String REDACTED = "[redacted]";

  /** The longest error message shown; LiteLLM stores 500 characters of one. */
  static final int MAX_MESSAGE_CHARS = 500;

  /** The {@code litellm_params} keys whose values are credentials. */
  private static final List<String> SECRET_KEYS =
      List.of(
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "client_secret",
          "azure_ad_token",
          "vertex_credentials");

  /** A value this short is not replaced on its own: it would mangle ordinary words. */
  private static final int MIN_SECRET_CHARS = 6;

  /** Not a value: what a redaction before it left. */
  private static final String NOT_REDACTED = "(?!\\[redacted])";

  private static final Pattern BEARER =
      Pattern.compile("(?i)\\b(bearer)(\\s+)" + NOT_REDACTED + "[^\\s\"',;)}\\]]+");
  private static final Pattern KEY_FIELD =
      Pattern.compile(
          "(?i)\\b(x-api-key|api-key|api_key|apikey|x-goog-api-key|authorization|client_secret"
              + "|access_token)(\"?\\s*[:=]\\s*\"?)(?!\\s*bearer\\b)"
              + NOT_REDACTED
              + "[^\\s\"',;)}\\]]+");
  private static final Pattern OPENAI_KEY = Pattern.compile("\\bsk-[A-Za-z0-9_\\-]{8,}");
  private static final Pattern USER_INFO = Pattern.compile("(://)[^/\\s@?#]+@");

  private Redaction() {}

  /** {@code message}, redacted for {@code params}' deployment and cut to a short line. */
  public static String message(String message, LitellmParams params) {
    String out = secretsOut(message, params);
    if (out.length() > MAX_MESSAGE_CHARS) {
      out = out.substring(0, MAX_MESSAGE_CHARS - 1) + "…";
    }
    return out;
  }

  /**
   * What an upstream sent back about an error, for a client: {@code text} without the deployment's
   * secrets, and without its {@code api_base} host and port.
   */
  public static String relayed(String text, LitellmParams params) {
    String out = secretsOut(text, params);
    String host = hostAndPort(params);
    if (host != null) {
      out = out.replace(host, REDACTED);
    }
    return out;
  }

  /** {@code body} (UTF-8) as {@link #relayed}; the same array when nothing was replaced. */
  public static byte[] relayed(byte[] body, LitellmParams params) {
    String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    String r = relayed(s, params);
    return r.equals(s) ? body : r.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static @Nullable String hostAndPort(LitellmParams p) {
    if (p.apiBase().isEmpty()) {
      return null;
    }
    try {
      java.net.URI u = new java.net.URI(p.apiBase().get());
      String h = u.getHost();
      if (h == null || h.length() < 3) {
        return null;
      }
      return u.getPort() < 0 ? h : h + ":" + u.getPort();
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  private static String secretsOut(String text, LitellmParams params) {
    String out = text;
    for (String secret : secrets(params)) {
      out = out.replace(secret, REDACTED);
    }
    out = BEARER.matcher(out).replaceAll("$1$2" + Matcher.quoteReplacement(REDACTED));
    out = KEY_FIELD.matcher(out).replaceAll("$1$2" + Matcher.quoteReplacement(REDACTED));
    out = OPENAI_KEY.matcher(out).replaceAll(Matcher.quoteReplacement(REDACTED));
    return USER_INFO.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(REDACTED) + "@");
  }

  /**
   * {@code url} without a user-info part ({@code user:pass@}), a query or a fragment, which may
   * carry credentials.
   */
  public static String url(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int end = url.length();
    for (char c : new char[] {'?', '#'}) {
      int i = url.indexOf(c, start);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String kept = url.substring(0, end);
    int path = kept.indexOf('/', start);
    int authorityEnd = path < 0 ? kept.length() : path;
    int at = kept.lastIndexOf('@', authorityEnd - 1);
    return at < start ? kept : kept.substring(0, start) + kept.substring(at + 1);
  }

  /** Every credential of the deployment, longest first so that none is left half-replaced. */
  private static List<String> secrets(LitellmParams p) {
    List<String> out = new ArrayList<>();
    p.apiKey().ifPresent(out::add);
    for (String key : SECRET_KEYS) {
      add(out, p.extra().get(key));
    }
    for (String key : List.of("headers", "extra_headers")) {
      if (p.extra().get(key) instanceof Map<?, ?> m) {
        m.values().forEach(v -> add(out, v));
      }
    }
    out.removeIf(s -> s.length() < MIN_SECRET_CHARS);
    out.sort(Comparator.comparingInt(String::length).reversed());
    return out;
  }

  private static void add(List<String> out, @Nullable Object value) {
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof Map<?, ?> m) {
      m.values().forEach(v -> add(out, v));
    } else if (value instanceof List<?> l) {
      l.forEach(v -> add(out, v));
    }
  }
}
