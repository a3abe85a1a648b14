package dev.tollgate.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL URL as LiteLLM accepts it ({@code postgresql://user:pass@host:port/db}, also {@code
 * postgres://}), or a pgjdbc URL ({@code jdbc:postgresql://host:port/db?user=..&password=..}),
 * split into what the driver needs. The password is held apart from the URL, so {@link #jdbcUrl}
 * and {@link #display} can be logged. Immutable.
 *
 * <p>Prisma's query parameters, which LiteLLM users carry over, are translated: {@code schema}
 * becomes the search path, {@code connection_limit} the pool size, {@code pool_timeout} (seconds)
 * the time to wait for a pooled connection, and {@code connect_timeout} (seconds) the driver's
 * connect timeout. Other parameters (such as {@code sslmode}) go to the driver as they are.
 *
 * @param jdbcUrl the pgjdbc URL, without user or password
 * @param properties driver properties, such as {@code sslmode}
 * @param display {@code user@host:port/db}, for log lines and error messages
 */
record DatabaseUrl(
    String jdbcUrl,
    Optional<String> user,
    Optional<String> password,
    Optional<String> schema,
    OptionalInt poolSize,
    OptionalLong poolTimeoutMillis,
    Map<String, String> properties,
    String display) {

  static final String EXPECTED = "postgresql://user:password@host:port/database";

  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]{0,30}):");
  private static final Pattern JDBC_SECRET =
      Pattern.compile("([?&])(password|user)=([^&]*)", Pattern.CASE_INSENSITIVE);

  DatabaseUrl {
    properties = Map.copyOf(properties);
  }

  /**
   * Parses a database URL. Throws {@link StoreException} naming what is wrong; the message never
   * repeats the URL, which may hold a password.
   */
  static DatabaseUrl parse(String url) {
    String s = url.strip();
    Matcher scheme = SCHEME.matcher(s);
    if (!scheme.find()) {
      throw new StoreException("database URL: expected the form " + EXPECTED);
    }
    String name = scheme.group(1).toLowerCase(Locale.ROOT);
    return switch (name) {
      case "postgresql", "postgres" -> fromUri(s.substring(scheme.end()));
      case "jdbc" -> fromJdbc(s);
      default ->
          throw new StoreException(
              "database URL: scheme '"
                  + name
                  + "' is not supported; expected "
                  + EXPECTED
                  + " (also postgres:// or jdbc:postgresql://), or no URL for SQLite in the data"
                  + " dir");
    };
  }

  /** {@code text} with the password, raw or percent-encoded, replaced by {@code ***}. */
  String redact(String text) {
    if (password.isEmpty() || password.get().isEmpty()) {
      return text;
    }
    String p = password.get();
    String encoded = java.net.URLEncoder.encode(p, StandardCharsets.UTF_8);
    return text.replace(p, "***").replace(encoded, "***");
  }

  private static DatabaseUrl fromUri(String rest) {
    URI uri;
    try {
      uri = new URI("postgresql:" + rest);
    } catch (URISyntaxException e) {
      throw new StoreException(
          "database URL: not a valid URL of the form "
              + EXPECTED
              + " (percent-encode characters such as @ : / # ? % in the user name and password)");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new StoreException(
          "database URL: no host; expected the form "
              + EXPECTED
              + " (percent-encode characters such as @ : / # ? % in the password)");
    }
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name"));
      if (colon >= 0) {
        password = Optional.of(decode(userInfo.substring(colon + 1), "password"));
      }
    }
    String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
    String db = rawPath.startsWith("/") ? decode(rawPath.substring(1), "database name") : "";
    if (db.contains("/")) {
      throw new StoreException("database URL: the database name must not contain '/'");
    }

    Map<String, String> props = new LinkedHashMap<>();
    Optional<String> schema = Optional.empty();
    OptionalInt poolSize = OptionalInt.empty();
    OptionalLong poolTimeout = OptionalLong.empty();
    String query = uri.getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq), "query parameter");
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter");
        switch (key) {
          case "schema" -> schema = Optional.of(value);
          case "connection_limit" -> poolSize = OptionalInt.of(positiveInt(key, value));
          case "pool_timeout" -> poolTimeout = OptionalLong.of(positiveInt(key, value) * 1000L);
          case "connect_timeout" -> props.put("connectTimeout", value);
          case "password", "user" ->
              throw new StoreException(
                  "database URL: put the user name and password before the host ("
                      + EXPECTED
                      + "), not in the query");
          default -> props.put(key, value);
        }
      }
    }
    String hostPort = host + ":" + port;
    String jdbc = "jdbc:postgresql://" + hostPort + "/" + encodePath(db);
    String display = user.map(u -> u + "@").orElse("") + hostPort + "/" + db;
    return new DatabaseUrl(jdbc, user, password, schema, poolSize, poolTimeout, props, display);
  }

  private static DatabaseUrl fromJdbc(String s) {
    if (!s.regionMatches(true, 0, "jdbc:postgresql:", 0, "jdbc:postgresql:".length())) {
      throw new StoreException(
          "database URL: only jdbc:postgresql: URLs are supported; expected " + EXPECTED);
    }
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    Matcher m = JDBC_SECRET.matcher(s);
    StringBuilder rest = new StringBuilder();
    while (m.find()) {
      String value = decode(m.group(3), m.group(2));
      if (m.group(2).equalsIgnoreCase("password")) {
        password = Optional.of(value);
      } else {
        user = Optional.of(value);
      }
      // keep the separator only if it introduced the query; a later '&' is dropped with the pair
      m.appendReplacement(rest, m.group(1).equals("?") ? "?" : "");
    }
    m.appendTail(rest);
    String jdbc = rest.toString().replace("?&", "?");
    if (jdbc.endsWith("?")) {
      jdbc = jdbc.substring(0, jdbc.length() - 1);
    }
    String target = jdbc.substring("jdbc:postgresql:".length()).replaceFirst("^//", "");
    int q = target.indexOf('?');
    String display = user.map(u -> u + "@").orElse("") + (q < 0 ? target : target.substring(0, q));
    return new DatabaseUrl(
        jdbc,
        user,
        password,
        Optional.empty(),
        OptionalInt.empty(),
        OptionalLong.empty(),
        Map.of(),
        display);
  }

  private static String decode(String raw, String what) {
    try {
      // URLDecoder also turns '+' into a space, which URLs' user info does not; keep '+' as is
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          "database URL: the " + what + " has a malformed percent-encoding (write % as %25)");
    }
  }

  private static String encodePath(String db) {
    return java.net.URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static int positiveInt(String key, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new StoreException(
        "database URL: query parameter "
            + key
            + " must be a positive integer, got '"
            + value
            + "'");
  }
}
