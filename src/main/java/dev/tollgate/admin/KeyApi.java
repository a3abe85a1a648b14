package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Enforcer;
import dev.tollgate.budget.Level;
import dev.tollgate.common.GatewayException;
import dev.tollgate.governance.Authenticator;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.EntityKind;
import dev.tollgate.governance.Governance;
import dev.tollgate.governance.GovernanceSnapshot;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.Limits;
import dev.tollgate.governance.Principal;
import dev.tollgate.governance.VirtualKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /key/*}: virtual keys. A key is shown once, by {@code /key/generate} and {@code
 * /key/{key}/regenerate}; afterwards it is named by the key itself or its {@code token} (the
 * SHA-256 hex), never echoed back.
 */
final class KeyApi {
  static final Set<String> FIELDS =
      plus(
          Body.RATE_FIELDS,
          "key_alias",
          "models",
          "max_budget",
          "soft_budget",
          "budget_duration",
          "model_max_budget",
          "team_id",
          "user_id",
          "organization_id",
          "metadata",
          "tags",
          "duration",
          "blocked",
          "budget_id");

  private static final Set<String> UPDATE_FIELDS = plus(FIELDS, "key", "spend");

  private static final Fields GENERATE =
      Fields.of(plus(FIELDS, "key"), Fields.LITELLM_KEY_GENERATE);
  private static final Fields UPDATE = Fields.of(UPDATE_FIELDS, Fields.LITELLM_KEY_UPDATE);
  private static final Fields REGENERATE =
      Fields.of(plus(FIELDS, "key", "new_key"), Fields.LITELLM_KEY_REGENERATE);

  /** The characters of an imported key after {@code sk-}: LiteLLM's URL-safe base64, and dots. */
  private static final java.util.regex.Pattern SECRET_CHARS =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.-]+");

  /** The longest imported key, after {@code sk-}. */
  static final int MAX_SECRET_CHARS = 256;

  private final Governance governance;
  private final Enforcer enforcer;
  private final SpendResets resets;
  private final Clock clock;

  /** Who a secret authenticates as: an imported key must not be the master key. */
  private final Authenticator auth;

  KeyApi(
      Authenticator auth,
      Governance governance,
      Enforcer enforcer,
      Clock clock,
      SpendResets resets) {
    this.auth = auth;
    this.resets = resets;
    this.governance = governance;
    this.enforcer = enforcer;
    this.clock = clock;
  }

  /**
   * {@code POST /key/generate}. With {@code key} (admins only), the key is that existing secret, as
   * LiteLLM takes it: both store its SHA-256 hex, so a key brought from LiteLLM keeps working.
   */
  JsonNode generate(Call c) {
    Body b = Body.parse(c, GENERATE);
    Principal p = c.principal();
    Instant now = clock.instant();
    String secret = b.has("key") ? notMaster(imported(b, "key", p), "key") : KeySecrets.generate();
    VirtualKey blank =
        new VirtualKey(
            Mutations.newId(),
            KeySecrets.hash(secret),
            KeySecrets.mask(secret),
            Optional.empty(),
            List.of(),
            Limits.NONE,
            Optional.empty(),
            // A non-admin's key is its own unless it names another user (which is then checked).
            p.admin() ? Optional.empty() : p.userId(),
            Optional.empty(),
            Optional.empty(),
            "{}",
            List.of(),
            Optional.empty(),
            false,
            now,
            now);
    VirtualKey k = apply(b, blank, now);
    governance.mutate(
        c.actor(),
        s -> {
          Permissions.checkKeyWrite(p, s, Optional.empty(), k, c.actor().route());
          refuseTaken(s, secret, "key");
          List<EntityChange> changes = new ArrayList<>();
          Mutations.ensureUser(s, k.userId(), Optional.empty(), now, changes);
          changes.add(new EntityChange.Upsert(k));
          return new Governance.Mutation<>(changes, k);
        });
    return withSecret(secret, k);
  }

  /** {@code POST /key/update}: fields merged; {@code spend: 0} resets the spend. */
  JsonNode update(Call c) {
    Body b = Body.parse(c, UPDATE);
    String ident = b.requiredString("key");
    boolean reset = b.resetSpend();
    Principal p = c.principal();
    if (reset && !p.admin()) {
      throw Permissions.forbidden("only an admin may reset a key's spend");
    }
    Instant now = clock.instant();
    VirtualKey k =
        governance.mutate(
            c.actor(),
            s -> {
              VirtualKey cur = findWritable(p, s, ident, "key", c.actor().route());
              VirtualKey next = apply(b, cur, now);
              Permissions.checkKeyWrite(p, s, Optional.of(cur), next, c.actor().route());
              List<EntityChange> changes = new ArrayList<>();
              Mutations.ensureUser(s, next.userId(), Optional.empty(), now, changes);
              changes.add(new EntityChange.Upsert(next));
              return new Governance.Mutation<>(changes, next);
            });
    if (reset) {
      resets.reset(c, Level.KEY, EntityKind.KEY, k.id());
    }
    return Views.key(k, enforcer);
  }

  /**
   * {@code GET /key/info?key=}: the key and its whole budget chain. Without {@code key}, the
   * caller's own key; a non-admin may read only its own key. Never budget-gated.
   */
  JsonNode info(Call c) {
    GovernanceSnapshot s = governance.snapshot();
    Principal p = c.principal();
    Optional<String> ident = c.query("key");
    VirtualKey k;
    if (ident.isEmpty()) {
      if (p.keyId().isEmpty()) {
        throw GatewayException.badRequest(
            "key", "key is required: the master key is not a virtual key and has no key info");
      }
      k = s.keys().get(p.keyId().get());
      if (k == null) {
        throw GatewayException.notFound("key", "this key no longer exists");
      }
    } else if (p.admin()) {
      k = find(s, ident.get(), "key");
    } else {
      // The same answer whether the other key exists or not: no existence oracle.
      k =
          s.keyByHash(hashOf(ident.get()))
              .filter(x -> Permissions.mayReadKey(p, s, x, c.actor().route()))
              .orElseThrow(KeyApi::notYours);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("key", k.tokenHash());
    ObjectNode info = Views.key(k, enforcer);
    info.set("budget_chain", Views.lines(enforcer.keyChain(k.id()), Permissions.readsAll(p)));
    out.set("info", info);
    return out;
  }

  private static GatewayException notYours() {
    return GatewayException.of(
        403,
        "permission_error",
        "key",
        "forbidden",
        "this key may use only its own keys, its user's and its teams'; ask an admin for"
            + " others");
  }

  /** The key {@code p} may change; the same refusal whether another's key exists or not. */
  private static VirtualKey findWritable(
      Principal p, GovernanceSnapshot s, String ident, String field, String route) {
    if (p.admin()) {
      return find(s, ident, field);
    }
    return s.keyByHash(hashOf(ident))
        .filter(k -> Permissions.mayWriteKey(p, s, k, route))
        .orElseThrow(KeyApi::notYours);
  }

  private static String hashOf(String ident) {
    return KeySecrets.looksLikeHash(ident) ? ident : KeySecrets.hash(ident);
  }

  /** {@code POST /key/delete} with {@code keys} and/or {@code key_aliases}; all or nothing. */
  JsonNode delete(Call c) {
    Body b = Body.parse(c.body(), Set.of("keys", "key_aliases"));
    List<String> idents = b.strings("keys").orElse(List.of());
    List<String> aliases = b.strings("key_aliases").orElse(List.of());
    if (idents.isEmpty() && aliases.isEmpty()) {
      throw GatewayException.badRequest("keys", "keys or key_aliases must list at least one key");
    }
    Principal p = c.principal();
    List<VirtualKey> deleted =
        governance.mutate(
            c.actor(),
            s -> {
              Set<VirtualKey> found = new LinkedHashSet<>();
              for (String i : idents) {
                found.add(findWritable(p, s, i, "keys", c.actor().route()));
              }
              for (String a : aliases) {
                Optional<VirtualKey> k =
                    s.keys().values().stream()
                        .filter(x -> x.keyAlias().equals(Optional.of(a)))
                        .findFirst();
                if (!p.admin()) {
                  k = k.filter(x -> Permissions.mayWriteKey(p, s, x, c.actor().route()));
                  found.add(k.orElseThrow(KeyApi::notYours));
                } else {
                  found.add(k.orElseThrow(() -> Mutations.missing("key_aliases", a)));
                }
              }
              List<EntityChange> changes = new ArrayList<>();
              found.forEach(k -> changes.add(new EntityChange.Delete(k.kind(), k.id())));
              return new Governance.Mutation<>(changes, List.copyOf(found));
            });
    deleted.forEach(k -> enforcer.reset(Level.KEY, k.id()));
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode a = out.putArray("deleted_keys");
    deleted.forEach(k -> a.add(k.tokenHash()));
    return out;
  }

  /**
   * {@code GET /key/list}: tokens (or whole keys with {@code return_full_object=true}), filtered by
   * {@code user_id}, {@code team_id}, {@code organization_id}, {@code key_alias}, paged by {@code
   * page} and {@code size}.
   */
  JsonNode list(Call c) {
    int page = c.intQuery("page", 1, Integer.MAX_VALUE);
    int size = c.intQuery("size", 10, 1000);
    Optional<String> user = c.query("user_id");
    Optional<String> team = c.query("team_id");
    Optional<String> org = c.query("organization_id");
    Optional<String> alias = c.query("key_alias");
    boolean full = c.boolQuery("return_full_object");
    Principal p = c.principal();
    GovernanceSnapshot s = governance.snapshot();
    List<VirtualKey> all =
        s.keys().values().stream()
            .filter(k -> Permissions.mayReadKey(p, s, k, c.actor().route()))
            .filter(k -> user.isEmpty() || k.userId().equals(user))
            .filter(k -> team.isEmpty() || k.teamId().equals(team))
            .filter(k -> org.isEmpty() || k.organizationId().equals(org))
            .filter(k -> alias.isEmpty() || k.keyAlias().equals(alias))
            .toList();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode keys = out.putArray("keys");
    long from = (long) (page - 1) * size;
    List<VirtualKey> shown = all.stream().skip(from).limit(size).toList();
    if (full) {
      Views.keys(shown, enforcer).forEach(keys::add);
    } else {
      shown.forEach(k -> keys.add(k.tokenHash()));
    }
    out.put("total_count", all.size());
    out.put("current_page", page);
    out.put("total_pages", (all.size() + size - 1) / size);
    return out;
  }

  /**
   * {@code GET /spend/keys}: every key, most spend first, as LiteLLM lists its key table; for a
   * caller who does not read all, the keys it may read.
   */
  JsonNode spendKeys(Call c) {
    GovernanceSnapshot s = governance.snapshot();
    Principal p = c.principal();
    return Views.bySpend(
        Views.keys(
            s.keys().values().stream()
                .filter(k -> Permissions.mayReadKey(p, s, k, c.actor().route()))
                .toList(),
            enforcer));
  }

  /** {@code POST /key/block} and {@code /key/unblock}. */
  JsonNode block(Call c, boolean blocked) {
    Body b = Body.parse(c.body(), Set.of("key"));
    String ident = b.requiredString("key");
    Instant now = clock.instant();
    VirtualKey k =
        governance.mutate(
            c.actor(),
            s -> {
              VirtualKey next = find(s, ident, "key").withBlocked(blocked, now);
              return new Governance.Mutation<>(List.of(new EntityChange.Upsert(next)), next);
            });
    return Views.key(k, enforcer);
  }

  /**
   * {@code POST /key/{key}/regenerate}, and {@code POST /key/regenerate} with the key as {@code
   * key} in the body: a new secret for the same key, which keeps its id, spend and windows; the old
   * secret stops working at once. The body may update fields as {@code /key/update} does; {@code
   * new_key} (admins only) sets the new secret instead of generating one.
   */
  JsonNode regenerate(Call c) {
    Body b = Body.parse(c, REGENERATE);
    String ident = c.path().containsKey("key") ? c.pathParam("key") : b.requiredString("key");
    Principal p = c.principal();
    Instant now = clock.instant();
    String secret =
        b.has("new_key") ? notMaster(imported(b, "new_key", p), "new_key") : KeySecrets.generate();
    VirtualKey k =
        governance.mutate(
            c.actor(),
            s -> {
              VirtualKey cur = findWritable(p, s, ident, "key", c.actor().route());
              VirtualKey next =
                  apply(b, cur, now)
                      .withSecret(KeySecrets.hash(secret), KeySecrets.mask(secret), now);
              Permissions.checkKeyWrite(p, s, Optional.of(cur), next, c.actor().route());
              refuseTaken(s, secret, "new_key");
              List<EntityChange> changes = new ArrayList<>();
              Mutations.ensureUser(s, next.userId(), Optional.empty(), now, changes);
              changes.add(new EntityChange.Upsert(next));
              return new Governance.Mutation<>(changes, next);
            });
    return withSecret(secret, k);
  }

  /** {@code POST /key/{key}/reset_spend} with an optional {@code reset_to}, which must be 0. */
  JsonNode resetSpend(Call c) {
    String ident = c.pathParam("key");
    Body b = Body.parse(c.body(), Set.of("reset_to"));
    if (b.has("reset_to") && b.usd("reset_to").orElse(-1) != 0) {
      throw GatewayException.badRequest(
          "reset_to",
          "reset_to can only be 0: spend comes from the spend log and is never set to another"
              + " value");
    }
    VirtualKey k = find(governance.snapshot(), ident, "key");
    resets.reset(c, Level.KEY, EntityKind.KEY, k.id());
    return Views.key(k, enforcer);
  }

  /** {@code cur} with the fields {@code b} sets. */
  private VirtualKey apply(Body b, VirtualKey cur, Instant now) {
    Body.Budgeting budgeting =
        b.budgeting(cur.limits(), cur.budgetId(), "key '" + cur.displayName() + "'");
    return new VirtualKey(
        cur.id(),
        cur.tokenHash(),
        cur.keyName(),
        b.has("key_alias") ? b.string("key_alias") : cur.keyAlias(),
        b.has("models") ? b.strings("models").orElse(List.of()) : cur.models(),
        budgeting.limits(),
        budgeting.budgetId(),
        b.has("user_id") ? b.string("user_id") : cur.userId(),
        b.has("team_id") ? b.string("team_id") : cur.teamId(),
        b.has("organization_id") ? b.string("organization_id") : cur.organizationId(),
        b.has("metadata") ? b.object("metadata").orElse("{}") : cur.metadata(),
        b.has("tags") ? b.strings("tags").orElse(List.of()) : cur.tags(),
        b.has("duration")
            ? b.duration("duration").map(d -> Mutations.expiry(now, d))
            : cur.expires(),
        b.has("blocked") ? b.bool("blocked").orElse(false) : cur.blocked(),
        cur.createdAt(),
        now);
  }

  /**
   * The secret {@code field} sets, checked: only an admin may choose a key's secret, and it must
   * look like a LiteLLM key. Messages show it masked, never whole.
   */
  private static String imported(Body b, String field, Principal p) {
    if (!p.admin()) {
      throw GatewayException.of(
          403,
          "permission_error",
          field,
          "forbidden",
          field
              + " sets the key's secret, which only the master key or a proxy_admin may do;"
              + " leave it out to have a key generated");
    }
    String secret = b.requiredString(field);
    if (!secret.startsWith("sk-")) {
      throw GatewayException.badRequest(
          field, field + " must start with 'sk-', as LiteLLM's keys do");
    }
    String rest = secret.substring(3);
    if (rest.length() < KeySecrets.MIN_SECRET_CHARS || rest.length() > MAX_SECRET_CHARS) {
      throw GatewayException.badRequest(
          field,
          field
              + " must have "
              + KeySecrets.MIN_SECRET_CHARS
              + " to "
              + MAX_SECRET_CHARS
              + " characters after 'sk-', got "
              + rest.length());
    }
    if (!SECRET_CHARS.matcher(rest).matches()) {
      throw GatewayException.badRequest(
          field,
          field
              + " "
              + KeySecrets.mask(secret)
              + " may contain only letters, digits, '-', '_' and '.' after 'sk-'");
    }
    return secret;
  }

  /**
   * Refuses the master key as a virtual key's secret: it would authenticate as the master key, so
   * none of the virtual key's budgets or limits would ever apply.
   */
  private String notMaster(String secret, String field) {
    Optional<Principal> who = auth.authenticate(secret);
    if (who.isPresent() && who.get().keyId().isEmpty()) {
      throw GatewayException.badRequest(
          field, field + " is the master key; a virtual key cannot share its secret");
    }
    return secret;
  }

  /** Refuses a secret another key already has: two keys cannot share one hash. */
  private static void refuseTaken(GovernanceSnapshot s, String secret, String field) {
    if (s.keyByHash(KeySecrets.hash(secret)).isPresent()) {
      throw GatewayException.of(
          409,
          "invalid_request_error",
          field,
          "already_exists",
          "a key with this secret ("
              + KeySecrets.mask(secret)
              + ") already exists; to change that key, use /key/update");
    }
  }

  /**
   * {@code POST /v2/key/info} with {@code keys}: each key as {@code /key/info} shows it, as LiteLLM
   * answers: {@code {"key": [...], "info": [...]}}. A non-admin may name only keys it may read,
   * with the same refusal whether another key exists or not.
   */
  JsonNode infoV2(Call c) {
    Body b = Body.parse(c.body(), Set.of("keys"));
    List<String> idents =
        b.strings("keys")
            .filter(l -> !l.isEmpty())
            .orElseThrow(
                () -> GatewayException.badRequest("keys", "keys must list at least one key"));
    GovernanceSnapshot s = governance.snapshot();
    Principal p = c.principal();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode named = out.putArray("key");
    ArrayNode infos = out.putArray("info");
    for (String ident : idents) {
      VirtualKey k =
          Permissions.readsAll(p)
              ? find(s, ident, "keys")
              : s.keyByHash(hashOf(ident))
                  .filter(x -> Permissions.mayReadKey(p, s, x, c.actor().route()))
                  .orElseThrow(KeyApi::notYours);
      named.add(k.tokenHash());
      infos.add(Views.key(k, enforcer));
    }
    return out;
  }

  /** The key named by a key or its token hash; 404 (never echoing a full key) when none. */
  static VirtualKey find(GovernanceSnapshot s, String ident, String field) {
    String hash = KeySecrets.looksLikeHash(ident) ? ident : KeySecrets.hash(ident);
    return s.keyByHash(hash)
        .orElseThrow(
            () ->
                GatewayException.notFound(
                    field,
                    "no key "
                        + (ident.startsWith("sk-") ? KeySecrets.mask(ident) : "'" + ident + "'")
                        + " exists"));
  }

  private ObjectNode withSecret(String secret, VirtualKey k) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("key", secret);
    out.setAll(Views.key(k, enforcer));
    // LiteLLM's GenerateKeyResponse names the hash token_id too; its clients read either.
    out.put("token_id", k.tokenHash());
    return out;
  }

  static Set<String> plus(Set<String> base, String... more) {
    Set<String> s = new HashSet<>(base);
    s.addAll(List.of(more));
    return Set.copyOf(s);
  }
}
