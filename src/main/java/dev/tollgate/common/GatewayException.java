package dev.tollgate.common;

import org.jspecify.annotations.Nullable;

/**
 * The one error type: everything that ends a request badly is thrown or failed as this, and one
 * handler renders it in OpenAI's error shape, {@code {"error": {"message", "type", "param",
 * "code"}}}.
 */
public final class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final @Nullable String param;
  private final @Nullable String code;

  /**
   * A raw upstream error body in OpenAI's shape to send unchanged, or null to render the message.
   */
  private final transient byte @Nullable [] rawBody;

  /** Seconds for a {@code retry-after} header; negative for none. */
  private long retryAfterSeconds = -1;

  private long upstreamRetryAfterMillis = -1;

  /** Further response headers, such as a rate limit's {@code x-ratelimit-*}. */
  private java.util.Map<String, String> headers = java.util.Map.of();

  private GatewayException(
      int status,
      String type,
      @Nullable String param,
      @Nullable String code,
      String message,
      byte @Nullable [] rawBody,
      @Nullable Throwable cause) {
    super(message, cause, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.rawBody = rawBody;
  }

  public static GatewayException of(
      int status, String type, @Nullable String param, @Nullable String code, String message) {
    return new GatewayException(status, type, param, code, message, null, null);
  }

  /** 400 for a request the caller must fix; {@code param} names the offending field. */
  public static GatewayException badRequest(@Nullable String param, String message) {
    return of(400, "invalid_request_error", param, null, message);
  }

  public static GatewayException unauthorized(String message) {
    return of(401, "authentication_error", null, "invalid_api_key", message);
  }

  public static GatewayException notFound(@Nullable String param, String message) {
    return of(404, "not_found_error", param, null, message);
  }

  /** 413: the request body is over {@code general_settings.max_request_size_mb}. */
  public static GatewayException tooLarge(long limitBytes) {
    return of(
        413,
        "invalid_request_error",
        null,
        "request_too_large",
        "request body is larger than the limit of "
            + limitBytes
            + " bytes (general_settings.max_request_size_mb)");
  }

  /** The upstream answered with an error; the body is passed through as the provider sent it. */
  public static GatewayException upstream(int status, String message, byte @Nullable [] rawBody) {
    String type =
        status == 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "upstream_error";
    return new GatewayException(status, type, null, null, message, rawBody, null);
  }

  /** As {@link #upstream(int, String, byte[])}, keeping the provider's error {@code code}. */
  public static GatewayException upstream(
      int status, String message, byte @Nullable [] rawBody, @Nullable String code) {
    String type =
        status == 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "upstream_error";
    return new GatewayException(status, type, null, code, message, rawBody, null);
  }

  /** The upstream could not be reached or failed: 502, or 504 for a timeout. */
  public static GatewayException badGateway(String message, @Nullable Throwable cause) {
    return new GatewayException(
        502, "api_error", null, "upstream_unavailable", message, null, cause);
  }

  public static GatewayException timeout(String message) {
    return of(504, "timeout", null, "upstream_timeout", message);
  }

  /** The client went away before the answer was complete (nginx's 499). */
  public static GatewayException clientClosed() {
    return of(499, "client_closed", null, null, "the client closed the connection");
  }

  /** Something inside Tollgate failed; the message never carries a stack trace. */
  public static GatewayException internal(String message, @Nullable Throwable cause) {
    return new GatewayException(500, "internal_error", null, null, message, null, cause);
  }

  /**
   * This error with {@code f} applied to its message and its relayed body (as UTF-8), such as a
   * redaction; itself when neither changes.
   */
  public GatewayException mapText(java.util.function.UnaryOperator<String> f) {
    String was = String.valueOf(getMessage());
    String m = f.apply(was);
    byte[] body = rawBody;
    if (rawBody != null) {
      String b = new String(rawBody, java.nio.charset.StandardCharsets.UTF_8);
      String r = f.apply(b);
      if (!r.equals(b)) {
        body = r.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    if (m.equals(was) && body == rawBody) {
      return this;
    }
    GatewayException e = new GatewayException(status, type, param, code, m, body, getCause());
    e.retryAfterSeconds = retryAfterSeconds;
    e.upstreamRetryAfterMillis = upstreamRetryAfterMillis;
    e.headers = headers;
    return e;
  }

  /** Adds a {@code retry-after} header (whole seconds, at least 1) to this error's response. */
  public GatewayException withRetryAfter(long seconds) {
    this.retryAfterSeconds = Math.max(1, seconds);
    return this;
  }

  /**
   * Notes how long the upstream that answered with this error asked to wait ({@code retry-after-ms}
   * or {@code retry-after}), for the router's backoff; not sent to the client.
   */
  public GatewayException withUpstreamRetryAfterMillis(long millis) {
    this.upstreamRetryAfterMillis = millis;
    return this;
  }

  /** How long the upstream asked to wait before a retry, in milliseconds; negative for unknown. */
  public long upstreamRetryAfterMillis() {
    return upstreamRetryAfterMillis;
  }

  /** Adds response headers to this error's response (a later name replaces an earlier one). */
  public GatewayException withHeaders(java.util.Map<String, String> more) {
    java.util.Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.putAll(more);
    this.headers = java.util.Collections.unmodifiableMap(all);
    return this;
  }

  /** Response headers besides {@code retry-after}; empty for none. */
  public java.util.Map<String, String> headers() {
    return headers;
  }

  /** Seconds for the {@code retry-after} header; negative for none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public @Nullable String param() {
    return param;
  }

  public @Nullable String code() {
    return code;
  }

  public byte @Nullable [] rawBody() {
    return rawBody;
  }
}
