package dev.tollgate.ui;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.admin.GovernanceRoutes;
import dev.tollgate.admin.ModelAdmin;
import dev.tollgate.admin.Permissions;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.common.GatewayException;
import dev.tollgate.config.Environment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.KeyAuthenticator;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.UserRole;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.routing.ModelRegistrar;
import dev.tollgate.store.Database;
import dev.tollgate.store.RevokedSessions;
import dev.tollgate.store.SpendQueries;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI at {@code /ui}: login, a signed session cookie, CSRF-checked forms and the pages.
 * Handlers run on the event loop and hand everything that reads the store or the counters, and
 * every render, to a worker thread. Shared by every event loop; immutable.
 *
 * <p>Who may log in: the master key, a key whose user is {@code proxy_admin} or {@code
 * proxy_admin_viewer} (those the permission table lets read everything), a key whose user is {@code
 * internal_user} or {@code internal_user_viewer} (who see only their own keys and spend), or {@code
 * UI_USERNAME}/{@code UI_PASSWORD} when both are set, as an admin. What each of them may change is
 * decided by the management API's own handlers and table, which every action goes through.
 *
 * <p>Logging out records the session in the store ({@link RevokedSessions}), and every request
 * looks its session up there on a worker, so a logged-out cookie is refused by every instance that
 * shares the store.
 */
public final class AdminUi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminUi.class);

  static final String SESSION_COOKIE = "tollgate_ui";
  static final String LOGIN_COOKIE = "tollgate_ui_login";
  static final String CSRF_FIELD = "_csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final long SESSION_SECONDS = 8 * 3600;
  private static final int FORM_LIMIT = 64 * 1024;

  /** No inline script or style, nothing from elsewhere, no framing. */
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private final KeyAuthenticator auth;
  private final Governance governance;
  private final PageData data;
  private final Sessions sessions;
  private final RevokedSessions revoked;
  private final LoginLimiter limiter;
  private final StaticAssets assets;
  private final Optional<String> uiUser;
  private final Optional<String> uiPassword;
  private final Clock clock;
  private final TemplateEngine templates =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, AdminUi.class.getClassLoader(), "dev.tollgate.ui");

  public AdminUi(
      String masterKey,
      KeyAuthenticator auth,
      Governance governance,
      GovernanceRoutes api,
      Enforcer enforcer,
      ModelRegistrar registrar,
      ModelAdmin models,
      SpendQueries spend,
      Environment env,
      Clock clock,
      GatewayConfig config,
      Database db) {
    this.auth = requireNonNull(auth, "auth");
    this.governance = requireNonNull(governance, "governance");
    this.clock = requireNonNull(clock, "clock");
    this.sessions = new Sessions(requireNonNull(masterKey, "masterKey"));
    this.revoked = db.revokedSessions();
    this.limiter = new LoginLimiter(clock);
    this.data =
        new PageData(governance, api, enforcer, registrar, models, spend, clock, config, db);
    this.assets = StaticAssets.load();
    Optional<String> user = env.get("UI_USERNAME").filter(v -> !v.isBlank());
    Optional<String> password = env.get("UI_PASSWORD").filter(v -> !v.isBlank());
    boolean both = user.isPresent() && password.isPresent();
    this.uiUser = both ? user : Optional.empty();
    this.uiPassword = both ? password : Optional.empty();
  }

  /** Mounts {@code /ui} and everything under it on {@code router}. */
  public void mount(Vertx vertx, Router router) {
    Router ui = Router.router(vertx);
    ui.route().handler(AdminUi::securityHeaders);
    ui.get("/static/:name").handler(assets::serve);
    ui.post().handler(BodyHandler.create(false).setBodyLimit(FORM_LIMIT));
    ui.get("/login").handler(this::loginForm);
    ui.post("/login").handler(this::login);
    ui.post("/logout").handler(this::logout);
    ui.get("/")
        .handler(
            ctx ->
                page(
                    ctx,
                    "overview",
                    v ->
                        Permissions.readsAll(v.principal())
                            ? data.overview(chrome(v, "Overview", "overview"), v.principal())
                            : data.ownOverview(chrome(v, "Overview", "overview"), v.principal())));
    ui.get("/keys")
        .handler(
            ctx ->
                page(
                    ctx,
                    "keys",
                    v ->
                        data.keys(
                            chrome(v, "Keys", "keys"),
                            v.principal(),
                            param(ctx, "q"),
                            intParam(ctx, "page"),
                            Optional.empty())));
    ui.post("/keys").handler(ctx -> action(ctx, (v, form) -> createKey(v, form)));
    ui.get("/keys/:token")
        .handler(
            ctx ->
                page(
                    ctx,
                    "key",
                    v ->
                        data.key(
                            chrome(v, "Key", "keys"),
                            v.principal(),
                            v.changedBy(),
                            pathParam(ctx, "token"),
                            Optional.empty())));
    ui.post("/keys/:token/block").handler(ctx -> keyAction(ctx, "block"));
    ui.post("/keys/:token/unblock").handler(ctx -> keyAction(ctx, "unblock"));
    ui.post("/keys/:token/delete").handler(ctx -> keyAction(ctx, "delete"));
    ui.post("/keys/:token/update").handler(ctx -> keyAction(ctx, "update"));
    ui.post("/keys/:token/regenerate")
        .handler(
            ctx -> {
              String token = pathParam(ctx, "token");
              action(
                  ctx,
                  (v, form) ->
                      showKey(
                          v,
                          "Regenerated key",
                          data.regenerate(v.principal(), v.changedBy(), token)));
            });
    for (Entity kind : Entity.values()) {
      mountEntity(ui, kind);
    }
    ui.get("/models")
        .handler(
            ctx ->
                wholePage(
                    ctx, "models", v -> data.models(chrome(v, "Models", "models"), v.principal())));
    ui.get("/pricing")
        .handler(
            ctx ->
                wholePage(
                    ctx,
                    "pricing",
                    v -> data.gaps(chrome(v, "Pricing gaps", "pricing"), v.principal())));
    ui.get("/settings")
        .handler(
            ctx ->
                wholePage(
                    ctx,
                    "settings",
                    v -> data.settings(chrome(v, "Settings", "settings"), v.principal())));
    ui.get("/spend")
        .handler(
            ctx ->
                page(
                    ctx,
                    "spend",
                    v ->
                        data.spend(
                            chrome(v, "Spend logs", "spend"),
                            v.principal(),
                            PageData.scoped(
                                v.principal(),
                                new Pages.SpendFilters(
                                    param(ctx, "key"),
                                    param(ctx, "user"),
                                    param(ctx, "team"),
                                    param(ctx, "tag"),
                                    param(ctx, "model"),
                                    param(ctx, "start"),
                                    param(ctx, "end"))),
                            intParam(ctx, "page"))));
    ui.get("/spend/:id")
        .handler(
            ctx ->
                page(
                    ctx,
                    "request",
                    v ->
                        data.ownRequest(
                            chrome(v, "Request", "spend"), v.principal(), pathParam(ctx, "id"))));
    ui.route()
        .last()
        .handler(
            ctx -> {
              // The sub-router also receives bare /ui, which none of its paths match.
              if ("/ui".equals(ctx.request().path())) {
                redirect(ctx, "/ui/");
              } else {
                error(ctx, 404, "no such page: " + ctx.request().path());
              }
            });
    ui.route().failureHandler(this::failure);
    router.route("/ui/*").subRouter(ui);
  }

  // --- sessions ---------------------------------------------------------------------------------

  /**
   * The logged-in caller of one request.
   *
   * @param changedBy whom the audit log names for this caller's changes, when not its key's user
   */
  record Viewer(
      Principal principal,
      Sessions.Session session,
      String who,
      @Nullable String changedBy,
      String csrf) {}

  /** The session cookie's value, or null; read on the event loop. */
  private static @Nullable String sessionCookie(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(SESSION_COOKIE);
    return c == null ? null : c.getValue();
  }

  /**
   * The caller whose valid, not logged-out session {@code cookie} is, if it may still use the UI.
   * Reads the store (one lookup by primary key): call on a worker.
   */
  private Optional<Viewer> viewer(@Nullable String cookie) {
    if (cookie == null) {
      return Optional.empty();
    }
    Optional<Sessions.Session> session = sessions.verify(cookie, clock.millis() / 1000);
    if (session.isEmpty()) {
      return Optional.empty();
    }
    Sessions.Session s = session.get();
    Optional<Principal> found;
    try {
      found =
          switch (s.kind()) {
            case MASTER -> Optional.of(auth.master());
            case KEY -> auth.byKeyId(s.subject());
            case USER ->
                uiUser.equals(Optional.of(s.subject()))
                    ? Optional.of(auth.master())
                    : Optional.empty();
          };
    } catch (GatewayException e) {
      // The key was blocked, expired or its team blocked since the login.
      return Optional.empty();
    }
    if (found.isEmpty() || !mayUse(found.get()) || revoked.isRevoked(s.nonce())) {
      return Optional.empty();
    }
    Principal p = found.get();
    String who =
        switch (s.kind()) {
          case MASTER -> "master key";
          case KEY -> describe(p);
          case USER -> s.subject();
        };
    String changedBy = s.kind() == Sessions.Kind.USER ? s.subject() : null;
    return Optional.of(new Viewer(p, s, who, changedBy, sessions.csrfToken(s)));
  }

  /**
   * Whether {@code p} may use the UI: who reads everything, and internal users (and their viewers),
   * who read their own keys and spend, as LiteLLM's UI lets them.
   */
  private static boolean mayUse(Principal p) {
    return Permissions.readsAll(p) || Permissions.readsOwn(p);
  }

  private String describe(Principal p) {
    VirtualKey k = p.keyId().map(id -> governance.snapshot().keys().get(id)).orElse(null);
    String name = k == null ? "key" : "key " + k.displayName();
    return name
        + p.userId()
            .map(u -> " (" + u + ", " + p.role().map(UserRole::wire).orElse("") + ")")
            .orElse("");
  }

  private Pages.Chrome chrome(Viewer v, String title, String active) {
    return new Pages.Chrome(
        title,
        active,
        v.who(),
        !Permissions.allows(v.principal(), governance.snapshot(), "POST /key/generate"),
        Permissions.readsAll(v.principal()),
        v.csrf(),
        assets.htmxPath(),
        assets.cssPath());
  }

  private void loginForm(RoutingContext ctx) {
    String cookie = sessionCookie(ctx);
    blocking(
        ctx,
        () -> viewer(cookie).isPresent(),
        in -> {
          if (in) {
            redirect(ctx, "/ui/");
          } else {
            showLogin(ctx, 200, Optional.empty());
          }
        });
  }

  /** The login form, bound to a fresh login cookie unless the request has one. */
  private void showLogin(RoutingContext ctx, int status, Optional<String> error) {
    Cookie c = ctx.request().getCookie(LOGIN_COOKIE);
    String nonce = c == null ? sessions.newNonce() : c.getValue();
    if (c == null) {
      ctx.response().addCookie(cookie(ctx, LOGIN_COOKIE, nonce, 3600));
    }
    send(
        ctx,
        status,
        render(
            "login.jte",
            new Pages.Login(
                sessions.loginToken(nonce),
                uiUser.isPresent(),
                error,
                assets.htmxPath(),
                assets.cssPath())));
  }

  private void login(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(LOGIN_COOKIE);
    String token = ctx.request().getFormAttribute(CSRF_FIELD);
    if (c == null || token == null || !Sessions.same(sessions.loginToken(c.getValue()), token)) {
      error(
          ctx,
          403,
          "the login form expired or did not come from this gateway; reload it and try again");
      return;
    }
    String address = String.valueOf(ctx.request().remoteAddress().hostAddress());
    long wait = limiter.retryAfterSeconds(address);
    if (wait > 0) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(wait));
      showLogin(
          ctx,
          429,
          Optional.of("too many failed logins from this address; try again in " + wait + " s"));
      return;
    }
    String key = form(ctx, "key");
    String user = form(ctx, "username");
    String password = form(ctx, "password");
    long expires = clock.millis() / 1000 + SESSION_SECONDS;
    String session;
    if (!key.isEmpty()) {
      Optional<Principal> p;
      try {
        p = auth.authenticate(key);
      } catch (GatewayException e) {
        limiter.failed(address);
        showLogin(ctx, 401, Optional.of(String.valueOf(e.getMessage())));
        return;
      }
      if (p.isEmpty()) {
        limiter.failed(address);
        showLogin(ctx, 401, Optional.of("that key is not valid here"));
        return;
      }
      if (!mayUse(p.get())) {
        showLogin(
            ctx,
            403,
            Optional.of(
                "the UI is for the master key and for keys whose user has the proxy_admin,"
                    + " proxy_admin_viewer, internal_user or internal_user_viewer role"));
        return;
      }
      session =
          p.get().keyId().isPresent()
              ? sessions.issue(Sessions.Kind.KEY, p.get().keyId().get(), expires)
              : sessions.issue(Sessions.Kind.MASTER, "", expires);
    } else if (uiUser.isPresent()
        && Sessions.same(uiUser.get(), user)
        && Sessions.same(uiPassword.orElseThrow(), password)) {
      session = sessions.issue(Sessions.Kind.USER, uiUser.get(), expires);
    } else {
      limiter.failed(address);
      showLogin(
          ctx,
          401,
          Optional.of(uiUser.isPresent() ? "wrong key, user name or password" : "enter a key"));
      return;
    }
    limiter.succeeded(address);
    LOG.info("ui login from {}", ctx.request().remoteAddress());
    ctx.response().addCookie(cookie(ctx, SESSION_COOKIE, session, SESSION_SECONDS));
    ctx.response().addCookie(cookie(ctx, LOGIN_COOKIE, "", 0));
    redirect(ctx, "/ui/");
  }

  /**
   * Ends the session in the store, so that no instance accepts its cookie again, and removes the
   * cookie; a logged-in caller's post needs its CSRF token.
   */
  private void logout(RoutingContext ctx) {
    String cookie = sessionCookie(ctx);
    @Nullable String token = csrfToken(ctx);
    blocking(
        ctx,
        () -> {
          Optional<Viewer> v = viewer(cookie);
          if (v.isPresent()) {
            checkCsrf(token, v.get());
            Sessions.Session s = v.get().session();
            revoked.revoke(s.nonce(), s.expiresAtSeconds() * 1000, clock.millis());
          }
          return v.isPresent();
        },
        ended -> {
          ctx.response().addCookie(cookie(ctx, SESSION_COOKIE, "", 0));
          redirect(ctx, "/ui/login");
        });
  }

  private static Cookie cookie(RoutingContext ctx, String name, String value, long maxAge) {
    return Cookie.cookie(name, value)
        .setPath("/ui")
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT)
        .setSecure(ctx.request().isSSL())
        .setMaxAge(maxAge);
  }

  // --- pages and actions ------------------------------------------------------------------------

  /** Renders a page for a logged-in caller on a worker; anyone else is sent to the login. */
  private void page(
      RoutingContext ctx, String template, java.util.function.Function<Viewer, Object> model) {
    page(ctx, template, false, model);
  }

  /**
   * A page of what only callers who read everything see (every entity, the models, the settings):
   * absent from the others' navigation, and 403 when they type it.
   */
  private void wholePage(
      RoutingContext ctx, String template, java.util.function.Function<Viewer, Object> model) {
    page(ctx, template, true, model);
  }

  private void page(
      RoutingContext ctx,
      String template,
      boolean whole,
      java.util.function.Function<Viewer, Object> model) {
    String cookie = sessionCookie(ctx);
    blocking(
        ctx,
        () ->
            viewer(cookie)
                .map(
                    v -> {
                      if (whole && !Permissions.readsAll(v.principal())) {
                        throw GatewayException.of(
                            403,
                            "permission_error",
                            null,
                            "forbidden",
                            "this page shows what only an admin or a proxy_admin_viewer may read");
                      }
                      return render(template + ".jte", model.apply(v));
                    }),
        html -> {
          if (html.isPresent()) {
            send(ctx, 200, html.get());
          } else {
            toLogin(ctx);
          }
        });
  }

  /** What a form POST does; answers with where to go next. */
  interface Action {
    String run(Viewer v, Map<String, String> form);
  }

  /**
   * Runs a form POST for a logged-in caller whose CSRF token matches its session, on a worker; the
   * API's refusals (403 from the permission table, 400 from validation) become error pages.
   */
  private void action(RoutingContext ctx, Action action) {
    String cookie = sessionCookie(ctx);
    @Nullable String token = csrfToken(ctx);
    Map<String, String> form = new HashMap<>();
    ctx.request().formAttributes().forEach(e -> form.putIfAbsent(e.getKey(), e.getValue()));
    blocking(
        ctx,
        () -> {
          Viewer v =
              viewer(cookie).orElseThrow(() -> GatewayException.unauthorized("log in first"));
          checkCsrf(token, v);
          return action.run(v, form);
        },
        next -> {
          if (next.startsWith("/")) {
            redirect(ctx, next);
          } else {
            send(ctx, 200, next);
          }
        });
  }

  /** The CSRF token the post carries, as a form field or a header; read on the event loop. */
  private static @Nullable String csrfToken(RoutingContext ctx) {
    String token = ctx.request().getFormAttribute(CSRF_FIELD);
    return token != null ? token : ctx.request().getHeader(CSRF_HEADER);
  }

  /** Refuses (403) a post whose CSRF {@code token} is not {@code v}'s. */
  private static void checkCsrf(@Nullable String token, Viewer v) {
    if (token == null || !Sessions.same(v.csrf(), token)) {
      throw GatewayException.of(
          403,
          "permission_error",
          null,
          "forbidden",
          "missing or wrong CSRF token; reload the page and try again");
    }
  }

  /** A new key: its page, with the secret shown this once (never redirected to, never cached). */
  private String createKey(Viewer v, Map<String, String> form) {
    return showKey(v, "New key", data.createKey(v.principal(), v.changedBy(), form));
  }

  /** The page of a key just created or regenerated, with its secret shown this once. */
  private String showKey(Viewer v, String title, JsonNode created) {
    return render(
        "key.jte",
        data.key(
            chrome(v, title, "keys"),
            v.principal(),
            v.changedBy(),
            created.path("token").asText(),
            Optional.of(created.path("key").asText())));
  }

  /** The list, page, create, edit and delete of one kind of entity, under /ui/{slug}. */
  private void mountEntity(Router ui, Entity kind) {
    String base = "/" + kind.slug;
    ui.get(base)
        .handler(
            ctx ->
                wholePage(
                    ctx,
                    "entities",
                    v ->
                        data.entities(
                            chrome(v, kind.title, kind.slug),
                            v.principal(),
                            kind,
                            param(ctx, "q"))));
    ui.post(base)
        .handler(
            ctx ->
                action(
                    ctx,
                    (v, form) ->
                        "/ui"
                            + base
                            + "/"
                            + enc(data.createEntity(v.principal(), v.changedBy(), kind, form))));
    ui.get(base + "/:id")
        .handler(
            ctx ->
                wholePage(
                    ctx,
                    "entity",
                    v ->
                        data.entity(
                            chrome(v, kind.title, kind.slug),
                            v.principal(),
                            kind,
                            pathParam(ctx, "id"))));
    ui.post(base + "/:id/update")
        .handler(
            ctx ->
                onEntity(
                    ctx,
                    kind,
                    (v, id, form) ->
                        data.updateEntity(v.principal(), v.changedBy(), kind, id, form)));
    ui.post(base + "/:id/delete")
        .handler(
            ctx -> {
              String id = pathParam(ctx, "id");
              action(
                  ctx,
                  (v, form) -> {
                    data.deleteEntity(v.principal(), v.changedBy(), kind, id);
                    return "/ui" + base;
                  });
            });
    if (kind == Entity.TEAMS) {
      ui.post(base + "/:id/members")
          .handler(
              ctx ->
                  onEntity(
                      ctx,
                      kind,
                      (v, id, form) -> data.addMember(v.principal(), v.changedBy(), id, form)));
      ui.post(base + "/:id/members/:user/delete")
          .handler(
              ctx -> {
                String user = pathParam(ctx, "user");
                onEntity(
                    ctx,
                    kind,
                    (v, id, form) -> data.removeMember(v.principal(), v.changedBy(), id, user));
              });
    }
  }

  /** A change to the entity at {@code :id}, which then shows its page. */
  private interface EntityChange {
    void run(Viewer v, String id, Map<String, String> form);
  }

  private void onEntity(RoutingContext ctx, Entity kind, EntityChange change) {
    String id = pathParam(ctx, "id");
    action(
        ctx,
        (v, form) -> {
          change.run(v, id, form);
          return "/ui/" + kind.slug + "/" + enc(id);
        });
  }

  private static String enc(String segment) {
    return java.net.URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void keyAction(RoutingContext ctx, String what) {
    String token = pathParam(ctx, "token");
    action(
        ctx,
        (v, form) -> {
          switch (what) {
            case "block" -> data.block(v.principal(), v.changedBy(), token, true);
            case "unblock" -> data.block(v.principal(), v.changedBy(), token, false);
            case "delete" -> {
              data.delete(v.principal(), v.changedBy(), token);
              return "/ui/keys";
            }
            case "update" -> data.updateKey(v.principal(), v.changedBy(), token, form);
            default -> throw new IllegalStateException(what);
          }
          return "/ui/keys/" + token;
        });
  }

  private <T> void blocking(
      RoutingContext ctx, Callable<T> work, java.util.function.Consumer<T> done) {
    ctx.vertx()
        .executeBlocking(work, false)
        .onSuccess(done::accept)
        .onFailure(e -> failure(ctx, e));
  }

  private void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (t == null) {
      error(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500, "request failed");
      return;
    }
    failure(ctx, t);
  }

  private void failure(RoutingContext ctx, Throwable e) {
    if (e instanceof GatewayException g) {
      error(ctx, g.status(), String.valueOf(g.getMessage()));
      return;
    }
    LOG.warn("ui: {} {} failed", ctx.request().method(), ctx.request().path(), e);
    error(ctx, 500, "the gateway could not show this page: " + e);
  }

  private void error(RoutingContext ctx, int status, String message) {
    send(ctx, status, render("error.jte", new Pages.Failure(status, message, assets.cssPath())));
  }

  private String render(String template, Object model) {
    StringOutput out = new StringOutput();
    templates.render(template, model, out);
    return out.toString();
  }

  private static void send(RoutingContext ctx, int status, String html) {
    HttpServerResponse r = ctx.response();
    if (r.ended() || r.closed()) {
      return;
    }
    r.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .end(Buffer.buffer(html.getBytes(StandardCharsets.UTF_8)));
  }

  private static void toLogin(RoutingContext ctx) {
    redirect(ctx, "/ui/login");
  }

  /** 303 to {@code to}; for htmx, which follows redirects itself, also HX-Redirect. */
  private static void redirect(RoutingContext ctx, String to) {
    HttpServerResponse r = ctx.response();
    if (ctx.request().getHeader("HX-Request") != null) {
      r.putHeader("HX-Redirect", to);
    }
    r.setStatusCode(303).putHeader(HttpHeaders.LOCATION, to).end();
  }

  private static void securityHeaders(RoutingContext ctx) {
    HttpServerResponse r = ctx.response();
    r.putHeader("Content-Security-Policy", CSP);
    r.putHeader("X-Content-Type-Options", "nosniff");
    r.putHeader("X-Frame-Options", "DENY");
    r.putHeader("Referrer-Policy", "same-origin");
    r.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    ctx.next();
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null ? "" : v;
  }

  private static int intParam(RoutingContext ctx, String name) {
    try {
      return Integer.parseInt(param(ctx, name).strip());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static String pathParam(RoutingContext ctx, String name) {
    return java.util.Objects.requireNonNullElse(ctx.pathParam(name), "");
  }

  private static String form(RoutingContext ctx, String name) {
    String v = ctx.request().getFormAttribute(name);
    return v == null ? "" : v.strip();
  }
}
