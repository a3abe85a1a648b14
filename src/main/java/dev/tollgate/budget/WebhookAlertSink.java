package dev.tollgate.budget;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.Environment;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts budget alerts as JSON to a webhook, as LiteLLM does with {@code general_settings.alerting:
 * ["webhook"]} and the {@code WEBHOOK_URL} environment variable: LiteLLM's fields ({@code spend},
 * {@code max_budget}, {@code token}, {@code user_id}, {@code team_id}, {@code customer_id}, {@code
 * key_alias}, {@code event}, {@code event_group}, {@code event_message}) plus Tollgate's {@code
 * level}, {@code entity_id}, {@code soft_budget} and {@code reset_at}. Non-blocking: the POST runs
 * on Vert.x's HTTP client and a failure is logged, never retried, never thrown. Thread-safe.
 */
public final class WebhookAlertSink implements AlertSink {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookAlertSink.class);

  /** The environment variable LiteLLM reads the webhook URL from. */
  public static final String ENV = "WEBHOOK_URL";

  private static final long TIMEOUT_MILLIS = 10_000;

  private final HttpClient client;
  private final String url;

  public WebhookAlertSink(HttpClient client, String url) {
    this.client = requireNonNull(client, "client");
    this.url = requireNonNull(url, "url");
  }

  /** A sink with its own HTTP client on {@code vertx}. */
  public static WebhookAlertSink create(Vertx vertx, String url) {
    return new WebhookAlertSink(vertx.createHttpClient(), url);
  }

  /**
   * The webhook URL when {@code alerting} (from {@code general_settings.alerting}) lists {@code
   * webhook}.
   *
   * @throws IllegalArgumentException when {@code webhook} is listed but {@code WEBHOOK_URL} is not
   *     set, so that alerts are not silently lost
   */
  public static Optional<String> configuredUrl(List<String> alerting, Environment env) {
    if (!alerting.contains("webhook")) {
      return Optional.empty();
    }
    Optional<String> url = env.get(ENV);
    if (url.isEmpty()) {
      throw new IllegalArgumentException(
          "general_settings.alerting lists 'webhook' but the " + ENV + " variable is not set");
    }
    return url;
  }

  @Override
  public void alert(BudgetAlert a) {
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(payload(a));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                .putHeader("content-type", "application/json")
                .setIdleTimeout(TIMEOUT_MILLIS))
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn("budget alert webhook {} failed: {}", url, ar.cause().toString());
              } else if (ar.result() >= 300) {
                LOG.warn("budget alert webhook {} answered {}", url, ar.result());
              }
            });
  }

  /** The JSON body for {@code a}. */
  static ObjectNode payload(BudgetAlert a) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("spend", Usd.of(a.spendNanos()));
    if (a.maxBudgetNanos().isPresent()) {
      o.put("max_budget", Usd.of(a.maxBudgetNanos().getAsLong()));
    } else {
      o.putNull("max_budget");
    }
    if (a.softBudgetNanos().isPresent()) {
      o.put("soft_budget", Usd.of(a.softBudgetNanos().getAsLong()));
    } else {
      o.putNull("soft_budget");
    }
    o.put("token", a.keyHash());
    o.put("customer_id", a.customerId().orElse(null));
    o.put("user_id", a.userId().orElse(null));
    o.put("team_id", a.teamId().orElse(null));
    o.putNull("team_alias");
    o.putNull("user_email");
    o.put("key_alias", a.keyAlias().orElse(null));
    o.putNull("projected_exceeded_date");
    o.putNull("projected_spend");
    o.put("event", a.event());
    o.put("event_group", eventGroup(a.level()));
    o.put(
        "event_message",
        "Soft budget crossed: " + a.label() + " has spent " + Usd.of(a.spendNanos()) + " USD");
    o.put("level", a.level().wire());
    o.put("entity_id", a.entityId());
    o.put("reset_at", a.resetAt().map(Object::toString).orElse(null));
    return o;
  }

  private static String eventGroup(Level level) {
    return switch (level) {
      case KEY, KEY_MODEL -> "key";
      case USER, USER_MODEL -> "user";
      case TEAM, TEAM_MEMBER -> "team";
      case ORGANIZATION -> "organization";
      case CUSTOMER, CUSTOMER_MODEL -> "customer";
      case TAG -> "tag";
      case GLOBAL, DEPLOYMENT, PROVIDER -> "proxy";
    };
  }
}
