package dev.tollgate.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.config.LitellmSettings;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.GovernanceSnapshot;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * LiteLLM's introspection routes: {@code GET /routes}, the gateway's routes, and {@code GET
 * /active/callbacks}, the callbacks the configuration turned on. Both in LiteLLM's shape, for
 * admins and viewers ({@link Permissions}). Memory only; runs on the event loop.
 */
public final class InfoRoutes {
  /** The callbacks Tollgate implements, by the names LiteLLM's configuration gives them. */
  private static final List<String> IMPLEMENTED = List.of("prometheus", "otel", "generic_api");

  private final Authenticator auth;
  private final Supplier<GovernanceSnapshot> governance;
  private final Supplier<Set<String>> mounted;
  private final LitellmSettings litellm;
  private final List<String> alerting;
  private final long timeoutMillis;

  /**
   * @param mounted every mounted route as {@code "METHOD /path"} ({@code ANY} for every method)
   * @param alerting {@code general_settings.alerting}
   * @param timeoutMillis the upstream request timeout, LiteLLM's {@code request_timeout}
   */
  public InfoRoutes(
      Authenticator auth,
      Supplier<GovernanceSnapshot> governance,
      Supplier<Set<String>> mounted,
      LitellmSettings litellm,
      List<String> alerting,
      long timeoutMillis) {
    this.auth = requireNonNull(auth, "auth");
    this.governance = requireNonNull(governance, "governance");
    this.mounted = requireNonNull(mounted, "mounted");
    this.litellm = requireNonNull(litellm, "litellm");
    this.alerting = List.copyOf(alerting);
    this.timeoutMillis = timeoutMillis;
  }

  public void mount(Router router) {
    get(router, "/routes", this::routes);
    get(router, "/active/callbacks", this::callbacks);
  }

  private void get(Router router, String path, Supplier<ObjectNode> answer) {
    router
        .get(path)
        .handler(Permissions.gate(auth, governance, HttpMethod.GET, path))
        .handler(ctx -> send(ctx, answer.get()));
  }

  /** {@code {"routes": [{"path", "methods", "name"}]}}, one entry per path, sorted. */
  private ObjectNode routes() {
    Map<String, Set<String>> byPath = new TreeMap<>();
    for (String route : mounted.get()) {
      int space = route.indexOf(' ');
      byPath
          .computeIfAbsent(route.substring(space + 1), p -> new TreeSet<>())
          .add(route.substring(0, space));
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode routes = out.putArray("routes");
    byPath.forEach(
        (path, methods) -> {
          ObjectNode r = routes.addObject();
          r.put("path", path);
          ArrayNode m = r.putArray("methods");
          methods.forEach(m::add);
          r.put("name", name(path));
        });
    return out;
  }

  /** A route's name from its path, as LiteLLM names its handlers: {@code key_info}. */
  static String name(String path) {
    String n =
        path.replaceAll("[:{}]", "")
            .replaceAll("[^A-Za-z0-9]+", "_")
            .replaceAll("^_+|_+$", "")
            .toLowerCase(Locale.ROOT);
    return n.isEmpty() ? "root" : n;
  }

  /**
   * LiteLLM's {@code /active/callbacks}: the callbacks that act here, all listed as {@code
   * litellm.callbacks}; the lists LiteLLM splits them into are empty, since Tollgate does not.
   */
  private ObjectNode callbacks() {
    List<String> on = new ArrayList<>();
    for (String name : IMPLEMENTED) {
      boolean active =
          switch (name) {
            case "prometheus" -> litellm.prometheus();
            case "otel" -> litellm.otel();
            default -> litellm.genericApi();
          };
      if (active) {
        on.add(name);
      }
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    // LiteLLM prints the setting as Python does: None, or a list such as ['webhook'].
    out.put("alerting", alerting.isEmpty() ? "None" : "['" + String.join("', '", alerting) + "']");
    ArrayNode callbacks = out.putArray("litellm.callbacks");
    on.forEach(callbacks::add);
    for (String empty :
        new String[] {
          "litellm.input_callback",
          "litellm.failure_callback",
          "litellm.success_callback",
          "litellm._async_success_callback",
          "litellm._async_failure_callback",
          "litellm._async_input_callback"
        }) {
      out.putArray(empty);
    }
    ArrayNode all = out.putArray("all_litellm_callbacks");
    on.forEach(all::add);
    out.put("num_callbacks", on.size());
    out.put("num_alerting", alerting.size());
    out.put("litellm.request_timeout", BigDecimal.valueOf(timeoutMillis, 3));
    return out;
  }

  private static void send(RoutingContext ctx, ObjectNode body) {
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Buffer.buffer(Json.write(g -> Json.tree(g, body))));
  }
}
