package dev.tollgate.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.common.Json;
import dev.tollgate.governance.AuditLog;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.Principal;
import dev.tollgate.proxy.HttpErrors;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the governance management API (LiteLLM's {@code /key}, {@code /user}, {@code /team},
 * {@code /organization}, {@code /customer}, {@code /tag} and {@code /budget} paths) on a router.
 *
 * <p>{@link Permissions} says who may call each route and for which entities. Reads render the
 * current snapshot on the event loop; writes go to the store, so they run on a worker thread
 * ({@code executeBlocking}) and {@link Governance#mutate} serialises them. Shared by every event
 * loop.
 */
public final class GovernanceRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(GovernanceRoutes.class);

  private final Authenticator auth;
  private final Governance governance;
  private final KeyApi keys;
  private final UserApi users;
  private final TeamApi teams;
  private final EntityApi entities;

  /** Each mounted route's handler by {@code "METHOD /path"}, for {@link #invoke}. */
  private final Map<String, Function<Call, JsonNode>> actions =
      new java.util.concurrent.ConcurrentHashMap<>();

  public GovernanceRoutes(
      Authenticator auth, Governance governance, Enforcer enforcer, Clock clock) {
    this(auth, governance, enforcer, clock, Optional.empty());
  }

  /** As the other constructor; with {@code audit} present, spend resets are recorded there. */
  public GovernanceRoutes(
      Authenticator auth,
      Governance governance,
      Enforcer enforcer,
      Clock clock,
      Optional<AuditLog> audit) {
    this.auth = requireNonNull(auth, "auth");
    this.governance = requireNonNull(governance, "governance");
    requireNonNull(enforcer, "enforcer");
    requireNonNull(clock, "clock");
    SpendResets resets = new SpendResets(enforcer, audit);
    this.keys = new KeyApi(auth, governance, enforcer, clock, resets);
    this.users = new UserApi(governance, enforcer, clock, resets);
    this.teams = new TeamApi(governance, enforcer, clock, resets);
    this.entities = new EntityApi(governance, enforcer, clock, resets);
  }

  /** Adds the routes; {@code body} is the router's body handler (it bounds the request size). */
  public void mount(Router router, BodyHandler body) {
    write(router, body, "/key/generate", keys::generate);
    write(router, body, "/key/update", keys::update);
    route(router, body, HttpMethod.GET, "/key/info", keys::info);
    write(router, body, "/key/delete", keys::delete);
    read(router, "/key/list", keys::list);
    write(router, body, "/key/block", c -> keys.block(c, true));
    write(router, body, "/key/unblock", c -> keys.block(c, false));
    write(router, body, "/key/:key/regenerate", keys::regenerate);
    write(router, body, "/key/regenerate", keys::regenerate);
    write(router, body, "/v2/key/info", keys::infoV2);
    read(router, "/spend/keys", keys::spendKeys);
    write(router, body, "/key/:key/reset_spend", keys::resetSpend);

    write(router, body, "/user/new", users::create);
    write(router, body, "/user/update", users::update);
    read(router, "/user/info", users::info);
    write(router, body, "/user/delete", users::delete);
    read(router, "/user/list", users::list);
    read(router, "/spend/users", users::spendUsers);

    write(router, body, "/team/new", teams::create);
    write(router, body, "/team/update", teams::update);
    read(router, "/team/info", teams::info);
    read(router, "/team/permissions_list", teams::permissionsList);
    write(router, body, "/team/permissions_update", teams::permissionsUpdate);
    write(router, body, "/team/delete", teams::delete);
    read(router, "/team/list", teams::list);
    write(router, body, "/team/member_add", teams::memberAdd);
    write(router, body, "/team/member_update", teams::memberUpdate);
    write(router, body, "/team/member_delete", teams::memberDelete);
    write(router, body, "/team/block", c -> teams.block(c, true));
    write(router, body, "/team/unblock", c -> teams.block(c, false));
    write(router, body, "/team/model/add", teams::modelAdd);
    write(router, body, "/team/model/delete", teams::modelDelete);

    write(router, body, "/organization/new", entities::organizationNew);
    write(router, body, "/organization/update", entities::organizationUpdate);
    route(router, body, HttpMethod.PATCH, "/organization/update", entities::organizationUpdate);
    read(router, "/organization/info", entities::organizationInfo);
    write(router, body, "/organization/delete", entities::organizationDelete);
    route(router, body, HttpMethod.DELETE, "/organization/delete", entities::organizationDelete);
    read(router, "/organization/list", entities::organizationList);
    write(router, body, "/organization/member_add", entities::organizationMemberAdd);
    write(router, body, "/organization/member_update", entities::organizationMemberUpdate);
    route(
        router,
        body,
        HttpMethod.PATCH,
        "/organization/member_update",
        entities::organizationMemberUpdate);
    write(router, body, "/organization/member_delete", entities::organizationMemberDelete);
    route(
        router,
        body,
        HttpMethod.DELETE,
        "/organization/member_delete",
        entities::organizationMemberDelete);

    // LiteLLM serves its customers under both names.
    for (String base : new String[] {"/customer", "/end_user"}) {
      write(router, body, base + "/new", entities::customerNew);
      write(router, body, base + "/update", entities::customerUpdate);
      read(router, base + "/info", entities::customerInfo);
      write(router, body, base + "/delete", entities::customerDelete);
      write(router, body, base + "/block", c -> entities.customerBlock(c, true));
      write(router, body, base + "/unblock", c -> entities.customerBlock(c, false));
      read(router, base + "/list", entities::customerList);
    }

    write(router, body, "/tag/new", entities::tagNew);
    write(router, body, "/tag/update", entities::tagUpdate);
    route(router, body, HttpMethod.POST, "/tag/info", entities::tagInfo);
    write(router, body, "/tag/delete", entities::tagDelete);
    read(router, "/tag/list", entities::tagList);

    write(router, body, "/budget/new", entities::budgetNew);
    write(router, body, "/budget/update", entities::budgetUpdate);
    route(router, body, HttpMethod.POST, "/budget/info", entities::budgetInfo);
    read(router, "/budget/info", entities::budgetInfoGet);
    write(router, body, "/budget/delete", entities::budgetDelete);
    read(router, "/budget/list", entities::budgetList);
  }

  /**
   * Runs {@code route} ({@code "METHOD /path"}) for {@code p} in process, as the web UI does: the
   * same refusal as the route's gate, then the same handler as over HTTP, with {@code query} as its
   * query parameters and {@code body} as its JSON body. Blocks (the store, the counters): call it
   * on a worker thread. Throws the {@link dev.tollgate.common.GatewayException} the API would
   * answer with.
   *
   * @param changedBy whom the audit log names for an admin's change, as {@code LiteLLM-Changed-By}
   */
  public JsonNode invoke(
      Principal p,
      String route,
      Map<String, String> query,
      byte[] body,
      @org.jspecify.annotations.Nullable String changedBy) {
    Function<Call, JsonNode> action = actions.get(route);
    if (action == null) {
      throw new IllegalStateException(route + " is not mounted");
    }
    Permissions.check(p, governance.snapshot(), route);
    MultiMap q = MultiMap.caseInsensitiveMultiMap();
    query.forEach(q::add);
    return action.apply(new Call(p, body, q, Map.of(), Call.actor(p, route, changedBy)));
  }

  private void write(
      Router router, BodyHandler body, String path, Function<Call, JsonNode> action) {
    route(router, body, HttpMethod.POST, path, action);
  }

  private void read(Router router, String path, Function<Call, JsonNode> action) {
    actions.put("GET " + path, action);
    router
        .get(path)
        .handler(Permissions.gate(auth, governance::snapshot, HttpMethod.GET, path))
        .handler(ctx -> handle(ctx, "GET " + path, action));
  }

  /**
   * Mounts {@code action} behind {@link Permissions#gate}, which authenticates from the headers, so
   * that a caller who may not use the route never makes the gateway read a body.
   */
  private void route(
      Router router,
      BodyHandler body,
      HttpMethod method,
      String path,
      Function<Call, JsonNode> action) {
    actions.put(method.name() + " " + path, action);
    router
        .route(method, path)
        .handler(Permissions.gate(auth, governance::snapshot, method, path))
        .handler(body)
        .handler(ctx -> handle(ctx, method.name() + " " + path, action));
  }

  private void handle(RoutingContext ctx, String route, Function<Call, JsonNode> action) {
    Call call;
    try {
      Principal p = Permissions.principal(ctx);
      Buffer b = ctx.body() == null ? null : ctx.body().buffer();
      call =
          new Call(
              p,
              b == null ? new byte[0] : b.getBytes(),
              MultiMap.caseInsensitiveMultiMap().addAll(ctx.queryParams()),
              Map.copyOf(ctx.pathParams()),
              Call.actor(p, route, ctx.request().getHeader(Call.CHANGED_BY_HEADER)));
    } catch (RuntimeException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    // Reads too run on a worker: they wait for the budget counters, which may be in Redis.
    ctx.vertx()
        .executeBlocking(() -> withWarnings(route, call, action.apply(call)), false)
        .onSuccess(out -> send(ctx, out))
        .onFailure(e -> HttpErrors.send(ctx.response(), e));
  }

  /**
   * {@code out} with the LiteLLM fields the call set but Tollgate did not act on, named in {@code
   * warnings} and logged once for the request.
   */
  private static JsonNode withWarnings(String route, Call call, JsonNode out) {
    List<String> fields = call.warnings().fields();
    if (fields.isEmpty()) {
      return out;
    }
    LOG.warn(
        "{}: accepted LiteLLM field(s) {} without acting on them; Tollgate does not implement"
            + " them",
        route,
        fields);
    if (out instanceof ObjectNode o) {
      ArrayNode a = o.putArray("warnings");
      fields.forEach(a::add);
    }
    return out;
  }

  private static void send(RoutingContext ctx, JsonNode out) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Buffer.buffer(bytes));
  }
}
