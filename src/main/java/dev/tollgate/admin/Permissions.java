package dev.tollgate.admin;

import static java.util.Map.entry;

import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.RateLimits;
import dev.tollgate.governance.Team;
import dev.tollgate.governance.TeamMember;
import dev.tollgate.governance.User;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.proxy.HttpErrors;
import dev.tollgate.proxy.ProxyHandler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Who may call which management route: the one table of rules, after LiteLLM's roles ({@code
 * proxy_admin}, {@code proxy_admin_viewer}, {@code internal_user}, {@code internal_user_viewer})
 * and team roles ({@code admin}, {@code user}).
 *
 * <p>Two steps. {@link #gate} runs from the headers alone, before any body is read: it refuses a
 * caller whose role can never use the route. The handlers then call the scope checks here ({@link
 * #mayReadKey}, {@link #checkKeyWrite}, ...) for callers who may use the route only for their own
 * keys, their own user or the teams they administer. Stateless; safe on any thread.
 */
public final class Permissions {
  /** The context key under which {@link #gate} leaves the caller's {@link Principal}. */
  static final String PRINCIPAL = "tollgate.principal";

  /** What a route needs; the scope checks narrow the {@code OWN_*} and {@code TEAM_*} ones. */
  enum Rule {
    /** {@code proxy_admin} and the master key only. */
    ADMIN("the master key or a proxy_admin user's key"),
    /** Also {@code proxy_admin_viewer}. */
    READ("the master key or a proxy_admin or proxy_admin_viewer user's key"),
    /** Also any key for itself, a user for their keys, a team admin for the team's keys. */
    OWN_KEY_READ("a valid key"),
    /** Also {@code internal_user} for their own keys, a team admin for the team's keys. */
    OWN_KEY_WRITE("the master key, or an internal_user's or a team admin's key for their own keys"),
    /** Also {@code internal_user} and {@code internal_user_viewer}, for themselves. */
    SELF_READ("the master key or a key whose user has a user_role"),
    /** Also any key that belongs to a user, for that user, as LiteLLM lets it. */
    OWN_USER_READ(
        "the master key, a proxy_admin or proxy_admin_viewer user's key, or a user's key"),
    /** Any valid key; other than admins and viewers see only the models they may call. */
    MODEL_READ("a valid key"),
    /** Also the admins of the team the request names. */
    TEAM_ADMIN("the master key or a team admin's key"),
    /**
     * Also {@code proxy_admin_viewer}, the members of the team the request names, and the team's
     * own keys.
     */
    TEAM_READ(
        "the master key, a proxy_admin or proxy_admin_viewer user's key, a team member's or a team"
            + " key");

    private final String who;

    Rule(String who) {
      this.who = who;
    }
  }

  private static final Map<String, Rule> ROUTES =
      Map.ofEntries(
          entry("POST /key/generate", Rule.OWN_KEY_WRITE),
          entry("POST /key/update", Rule.OWN_KEY_WRITE),
          entry("GET /key/info", Rule.OWN_KEY_READ),
          entry("POST /key/delete", Rule.OWN_KEY_WRITE),
          entry("GET /key/list", Rule.SELF_READ),
          entry("POST /key/block", Rule.ADMIN),
          entry("POST /key/unblock", Rule.ADMIN),
          entry("POST /key/:key/regenerate", Rule.OWN_KEY_WRITE),
          entry("POST /key/:key/reset_spend", Rule.ADMIN),
          entry("POST /key/regenerate", Rule.OWN_KEY_WRITE),
          entry("POST /v2/key/info", Rule.OWN_KEY_READ),
          entry("POST /user/new", Rule.ADMIN),
          entry("POST /user/update", Rule.ADMIN),
          entry("GET /user/info", Rule.OWN_USER_READ),
          entry("POST /user/delete", Rule.ADMIN),
          entry("GET /user/list", Rule.READ),
          entry("POST /team/new", Rule.ADMIN),
          entry("POST /team/update", Rule.ADMIN),
          entry("GET /team/info", Rule.TEAM_READ),
          entry("GET /team/permissions_list", Rule.TEAM_READ),
          entry("POST /team/permissions_update", Rule.TEAM_ADMIN),
          entry("POST /team/delete", Rule.ADMIN),
          entry("GET /team/list", Rule.READ),
          entry("POST /team/member_add", Rule.TEAM_ADMIN),
          entry("POST /team/member_update", Rule.TEAM_ADMIN),
          entry("POST /team/member_delete", Rule.TEAM_ADMIN),
          entry("POST /team/block", Rule.ADMIN),
          entry("POST /team/unblock", Rule.ADMIN),
          entry("POST /team/model/add", Rule.ADMIN),
          entry("POST /team/model/delete", Rule.ADMIN),
          entry("POST /organization/new", Rule.ADMIN),
          entry("POST /organization/update", Rule.ADMIN),
          entry("PATCH /organization/update", Rule.ADMIN),
          entry("GET /organization/info", Rule.READ),
          entry("POST /organization/delete", Rule.ADMIN),
          entry("DELETE /organization/delete", Rule.ADMIN),
          entry("GET /organization/list", Rule.READ),
          entry("POST /organization/member_add", Rule.ADMIN),
          entry("POST /organization/member_update", Rule.ADMIN),
          entry("PATCH /organization/member_update", Rule.ADMIN),
          entry("POST /organization/member_delete", Rule.ADMIN),
          entry("DELETE /organization/member_delete", Rule.ADMIN),
          entry("POST /customer/new", Rule.ADMIN),
          entry("POST /customer/update", Rule.ADMIN),
          entry("GET /customer/info", Rule.READ),
          entry("POST /customer/delete", Rule.ADMIN),
          entry("POST /customer/block", Rule.ADMIN),
          entry("POST /customer/unblock", Rule.ADMIN),
          entry("GET /customer/list", Rule.READ),
          entry("POST /end_user/new", Rule.ADMIN),
          entry("POST /end_user/update", Rule.ADMIN),
          entry("GET /end_user/info", Rule.READ),
          entry("POST /end_user/delete", Rule.ADMIN),
          entry("POST /end_user/block", Rule.ADMIN),
          entry("POST /end_user/unblock", Rule.ADMIN),
          entry("GET /end_user/list", Rule.READ),
          entry("POST /tag/new", Rule.ADMIN),
          entry("POST /tag/update", Rule.ADMIN),
          entry("POST /tag/info", Rule.READ),
          entry("POST /tag/delete", Rule.ADMIN),
          entry("GET /tag/list", Rule.READ),
          entry("POST /budget/new", Rule.ADMIN),
          entry("POST /budget/update", Rule.ADMIN),
          entry("POST /budget/info", Rule.READ),
          entry("GET /budget/info", Rule.READ),
          entry("POST /budget/delete", Rule.ADMIN),
          entry("GET /budget/list", Rule.READ),
          entry("POST /model/new", Rule.ADMIN),
          entry("POST /model/update", Rule.ADMIN),
          entry("PATCH /model/:id/update", Rule.ADMIN),
          entry("POST /model/delete", Rule.ADMIN),
          entry("GET /model/info", Rule.MODEL_READ),
          entry("GET /v1/model/info", Rule.MODEL_READ),
          entry("GET /model_group/info", Rule.MODEL_READ),
          entry("GET /pricing/unknown", Rule.READ),
          entry("POST /reload/model_cost_map", Rule.ADMIN),
          entry("GET /spend/logs", Rule.SELF_READ),
          entry("GET /spend/logs/ui", Rule.SELF_READ),
          entry("GET /spend/keys", Rule.SELF_READ),
          entry("GET /spend/users", Rule.SELF_READ),
          entry("GET /spend/tags", Rule.READ),
          entry("GET /global/spend/logs", Rule.SELF_READ),
          entry("GET /global/spend/keys", Rule.SELF_READ),
          entry("GET /global/spend/models", Rule.SELF_READ),
          entry("GET /global/spend/tags", Rule.READ),
          entry("GET /global/spend/report", Rule.READ),
          entry("GET /routes", Rule.READ),
          entry("GET /active/callbacks", Rule.READ),
          entry("GET /audit", Rule.READ),
          entry("GET /audit/:id", Rule.READ),
          entry("GET /cache/ping", Rule.ADMIN),
          entry("POST /cache/delete", Rule.ADMIN));

  /**
   * The key routes a team may grant its ordinary members with {@code team_member_permissions}, as
   * LiteLLM names them.
   */
  static final List<String> TEAM_MEMBER_ROUTES =
      List.of(
          "/key/generate",
          "/key/update",
          "/key/delete",
          "/key/regenerate",
          "/key/info",
          "/key/list",
          "/key/health");

  /** What members of a team without {@code team_member_permissions} may do, as in LiteLLM. */
  static final List<String> DEFAULT_TEAM_MEMBER_PERMISSIONS = List.of("/key/info", "/key/health");

  private Permissions() {}

  /**
   * The name {@code team_member_permissions} uses for a route given as {@code "METHOD /path"}: its
   * path, with {@code /key/:key/regenerate} as {@code /key/regenerate} and {@code /v2/key/info} as
   * {@code /key/info}.
   */
  static String keyRoute(String route) {
    String path = route.substring(route.indexOf(' ') + 1);
    return switch (path) {
      case "/key/:key/regenerate" -> "/key/regenerate";
      case "/v2/key/info" -> "/key/info";
      default -> path;
    };
  }

  /**
   * Whether {@code p}'s user is a member of team {@code teamId} whose {@code
   * team_member_permissions} (or LiteLLM's default) lists {@code route}.
   */
  static boolean memberMay(Principal p, GovernanceSnapshot s, String teamId, String route) {
    Team t = s.teams().get(teamId);
    return t != null
        && p.userId().isPresent()
        && t.member(p.userId().get()).isPresent()
        && t.memberPermissions().orElse(DEFAULT_TEAM_MEMBER_PERMISSIONS).contains(keyRoute(route));
  }

  /** Whether {@code p}'s user is a member of team {@code teamId}, in any role. */
  static boolean isMember(Principal p, GovernanceSnapshot s, String teamId) {
    Team t = s.teams().get(teamId);
    return t != null && p.userId().isPresent() && t.member(p.userId().get()).isPresent();
  }

  /** Every management route, as {@code "METHOD /path"}, sorted. */
  public static Set<String> routes() {
    return new TreeSet<>(ROUTES.keySet());
  }

  /** The rule of a route; a route missing from the table is a programming error. */
  static Rule rule(HttpMethod method, String path) {
    Rule r = ROUTES.get(method.name() + " " + path);
    if (r == null) {
      throw new IllegalStateException(
          method.name() + " " + path + " has no row in Permissions: add one before mounting it");
    }
    return r;
  }

  /**
   * The handler to mount before the body handler of {@code method path}: it authenticates from the
   * headers, refuses (401/403) a caller the route's rule excludes, and leaves the {@link Principal}
   * in the context. Runs on the event loop; memory only. A {@link PlatformHandler}, because Vert.x
   * Web accepts only those (and security-policy handlers) ahead of a body handler.
   */
  static PlatformHandler gate(
      Authenticator auth, Supplier<GovernanceSnapshot> governance, HttpMethod method, String path) {
    Rule rule = rule(method, path);
    return ctx -> {
      Principal p;
      try {
        p = ProxyHandler.authenticate(ctx.request(), auth);
        check(p, rule, governance.get(), method.name() + " " + path);
      } catch (RuntimeException e) {
        HttpErrors.send(ctx.response(), e);
        return;
      }
      ctx.put(PRINCIPAL, p);
      ctx.next();
    };
  }

  /**
   * Refuses (403) {@code p} when {@code rule} excludes it from {@code route} whatever its scope.
   */
  private static void check(Principal p, Rule rule, GovernanceSnapshot s, String route) {
    if (!admits(p, rule, s, route)) {
      throw forbidden(
          "this key (user_role "
              + p.role().map(UserRole::wire).orElse("none")
              + ") may not use "
              + route
              + "; it needs "
              + rule.who);
    }
  }

  /**
   * Refuses (403) {@code p} as {@link #gate} does over HTTP, for a route ({@code "METHOD /path"})
   * called in process by the web UI; the handler's scope checks still follow.
   */
  static void check(Principal p, GovernanceSnapshot s, String route) {
    check(p, rule(route), s, route);
  }

  /**
   * Whether {@code p} may call {@code route} ({@code "METHOD /path"}) at all; the web UI offers an
   * action only to a caller this admits.
   */
  public static boolean allows(Principal p, GovernanceSnapshot s, String route) {
    return admits(p, rule(route), s, route);
  }

  private static Rule rule(String route) {
    int space = route.indexOf(' ');
    return rule(HttpMethod.valueOf(route.substring(0, space)), route.substring(space + 1));
  }

  /** The caller that {@link #gate} authenticated for this request. */
  static Principal principal(RoutingContext ctx) {
    @Nullable Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException(ctx.request().path() + " is mounted without its gate");
    }
    return p;
  }

  /** Whether {@code p} may call a route with {@code rule} at all, before its scope is checked. */
  static boolean admits(Principal p, Rule rule, GovernanceSnapshot s, String route) {
    if (p.admin()) {
      return true;
    }
    Optional<UserRole> role = p.role();
    boolean viewer = role.equals(Optional.of(UserRole.PROXY_ADMIN_VIEWER));
    boolean internal = role.equals(Optional.of(UserRole.INTERNAL_USER));
    boolean internalViewer = role.equals(Optional.of(UserRole.INTERNAL_USER_VIEWER));
    return switch (rule) {
      case ADMIN -> false;
      case READ -> viewer;
      case OWN_KEY_READ -> true;
      case SELF_READ -> viewer || internal || internalViewer || anyTeamGrants(p, s, route);
      case OWN_USER_READ -> viewer || p.userId().isPresent();
      case MODEL_READ -> true;
      case OWN_KEY_WRITE -> internal || administersAnyTeam(p, s) || anyTeamGrants(p, s, route);
      case TEAM_ADMIN -> administersAnyTeam(p, s);
      case TEAM_READ -> viewer || p.teamId().isPresent() || memberOfAnyTeam(p, s);
    };
  }

  /** Whether {@code p} reads every entity: an admin or a {@code proxy_admin_viewer}. */
  public static boolean readsAll(Principal p) {
    return p.admin() || p.role().equals(Optional.of(UserRole.PROXY_ADMIN_VIEWER));
  }

  /**
   * Whether {@code p} reads its own user's keys and spend (and nothing else that belongs to
   * others): a key whose user is {@code internal_user} or {@code internal_user_viewer}.
   */
  public static boolean readsOwn(Principal p) {
    return p.userId().isPresent()
        && (p.role().equals(Optional.of(UserRole.INTERNAL_USER))
            || p.role().equals(Optional.of(UserRole.INTERNAL_USER_VIEWER)));
  }

  /**
   * Whether {@code p} may read key {@code k} through {@code route}: its own key, its user's keys,
   * its teams' keys as their admin, or a team's keys as a member the team allows {@code route}.
   */
  public static boolean mayReadKey(Principal p, GovernanceSnapshot s, VirtualKey k, String route) {
    return readsAll(p)
        || p.keyId().equals(Optional.of(k.id()))
        || (p.userId().isPresent() && k.userId().equals(p.userId()) && p.role().isPresent())
        || k.teamId().map(t -> administers(p, s, t) || memberMay(p, s, t, route)).orElse(false);
  }

  /**
   * Whether {@code p} may change or delete key {@code k} through {@code route}: a team key as the
   * team's admin, or as a member the team allows {@code route} when the key is the member's own.
   */
  public static boolean mayWriteKey(Principal p, GovernanceSnapshot s, VirtualKey k, String route) {
    if (p.admin()) {
      return true;
    }
    if (k.teamId().isPresent()) {
      String team = k.teamId().get();
      return administers(p, s, team)
          || (memberMay(p, s, team, route) && k.userId().equals(p.userId()));
    }
    return p.role().equals(Optional.of(UserRole.INTERNAL_USER))
        && p.userId().isPresent()
        && k.userId().equals(p.userId());
  }

  /**
   * Refuses a key that a non-admin {@code p} would create or leave after an update: a personal key
   * must be its own and within its user's budget and models; a team key must be of a team it
   * administers and within the team's budget and models. {@code cur} is the key before an update; a
   * non-admin never raises its budget or widens its models.
   */
  static void checkKeyWrite(
      Principal p, GovernanceSnapshot s, Optional<VirtualKey> cur, VirtualKey next, String route) {
    if (p.admin()) {
      return;
    }
    if (next.budgetId().isPresent() && !next.budgetId().equals(cur.flatMap(VirtualKey::budgetId))) {
      throw forbidden("only an admin may put a key on a shared budget (budget_id)");
    }
    if (next.organizationId().isPresent()
        && !next.organizationId().equals(cur.flatMap(VirtualKey::organizationId))) {
      throw forbidden("only an admin may set a key's organization_id");
    }
    if (next.teamId().isPresent()) {
      String teamId = next.teamId().get();
      boolean member = memberMay(p, s, teamId, route);
      if (!administers(p, s, teamId) && !member) {
        throw forbidden(
            "only an admin of team '"
                + teamId
                + "', or a member its team_member_permissions allow "
                + keyRoute(route)
                + ", may create or change the team's keys");
      }
      if (!administers(p, s, teamId) && !next.userId().equals(p.userId())) {
        throw forbidden(
            "a team member may create or change only its own keys in team '" + teamId + "'");
      }
      Team t = s.teams().get(teamId);
      if (t != null) {
        if (next.userId().isPresent() && t.member(next.userId().get()).isEmpty()) {
          throw forbidden(
              "user_id '" + next.userId().get() + "' is not a member of team '" + teamId + "'");
        }
        within(next, t.limits().maxBudgetNanos(), t.models(), "team '" + t.displayName() + "'");
        ratesWithin(next, t.limits().rate(), false, "team '" + t.displayName() + "'");
      }
    } else {
      if (!p.role().equals(Optional.of(UserRole.INTERNAL_USER))
          || p.userId().isEmpty()
          || !next.userId().equals(p.userId())) {
        throw forbidden("a key without a team may only be created for the caller's own user_id");
      }
      User u = s.users().get(p.userId().get());
      if (u != null) {
        within(next, u.limits().maxBudgetNanos(), u.models(), "your user");
        ratesWithin(next, u.limits().rate(), false, "your user");
      }
    }
    if (cur.isPresent()) {
      within(next, cur.get().limits().maxBudgetNanos(), cur.get().models(), "the key itself");
      ratesWithin(next, cur.get().limits().rate(), true, "the key itself");
    }
  }

  /**
   * Refuses a key whose {@code rpm_limit}, {@code tpm_limit} or {@code max_parallel_requests} is
   * above {@code bound}'s. Without {@code required}, a key without a limit is within (the bound
   * applies to it at run time anyway); with it (the key's own earlier limits), dropping a limit
   * would raise it, and is refused too.
   */
  private static void ratesWithin(VirtualKey k, RateLimits bound, boolean required, String whose) {
    RateLimits r = k.limits().rate();
    rateWithin(r.rpmLimit(), bound.rpmLimit(), required, "rpm_limit", whose);
    rateWithin(r.tpmLimit(), bound.tpmLimit(), required, "tpm_limit", whose);
    rateWithin(
        r.maxParallelRequests(),
        bound.maxParallelRequests(),
        required,
        "max_parallel_requests",
        whose);
  }

  private static void rateWithin(
      OptionalLong value, OptionalLong bound, boolean required, String field, String whose) {
    if (bound.isEmpty()) {
      return;
    }
    if (value.isEmpty() ? required : value.getAsLong() > bound.getAsLong()) {
      throw forbidden(
          field
              + " may not be above the "
              + field
              + " of "
              + whose
              + " ("
              + bound.getAsLong()
              + ")");
    }
  }

  private static void within(
      VirtualKey k, OptionalLong maxBudget, List<String> models, String whose) {
    if (maxBudget.isPresent()) {
      if (k.limits().maxBudgetNanos().isEmpty()
          || k.limits().maxBudgetNanos().getAsLong() > maxBudget.getAsLong()) {
        throw forbidden("max_budget may not be above the max_budget of " + whose);
      }
    }
    if (!models.isEmpty() && (k.models().isEmpty() || !models.containsAll(k.models()))) {
      throw forbidden("models may only name models that " + whose + " may use: " + models);
    }
  }

  /** The user whose own data a caller without full read access asks for; refuses anyone else. */
  public static String self(Principal p, Optional<String> asked, String field) {
    String me = p.userId().orElseThrow(() -> forbidden("this key has no user"));
    if (asked.isPresent() && !asked.get().equals(me)) {
      throw forbidden("this key may read only its own user's " + field);
    }
    return me;
  }

  /**
   * Refuses {@code p} unless it administers team {@code teamId}; the same answer whether the team
   * exists or not.
   */
  static void checkTeamAdmin(Principal p, GovernanceSnapshot s, String teamId) {
    if (!p.admin() && !administers(p, s, teamId)) {
      throw forbidden("only an admin of team '" + teamId + "' may manage its members");
    }
  }

  /** Whether {@code p}'s user is an {@code admin} member of team {@code teamId}. */
  static boolean administers(Principal p, GovernanceSnapshot s, String teamId) {
    if (p.admin()) {
      return true;
    }
    Team t = s.teams().get(teamId);
    return t != null
        && p.userId().isPresent()
        && t.member(p.userId().get()).map(m -> m.role() == TeamMember.Role.ADMIN).orElse(false);
  }

  private static boolean anyTeamGrants(Principal p, GovernanceSnapshot s, String route) {
    return TEAM_MEMBER_ROUTES.contains(keyRoute(route))
        && s.teams().values().stream().anyMatch(t -> memberMay(p, s, t.id(), route));
  }

  private static boolean memberOfAnyTeam(Principal p, GovernanceSnapshot s) {
    return p.userId().isPresent()
        && s.teams().values().stream().anyMatch(t -> isMember(p, s, t.id()));
  }

  private static boolean administersAnyTeam(Principal p, GovernanceSnapshot s) {
    return p.userId().isPresent()
        && s.teams().values().stream().anyMatch(t -> administers(p, s, t.id()));
  }

  static GatewayException forbidden(String message) {
    return GatewayException.of(403, "permission_error", null, "forbidden", message);
  }
}
