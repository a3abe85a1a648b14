package dev.tollgate.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.UsageSource;
import dev.tollgate.common.Json;
import dev.tollgate.governance.Entity;
import dev.tollgate.governance.EntityChange;
import dev.tollgate.governance.GovernanceStore;
import dev.tollgate.governance.KeySecrets;
import dev.tollgate.governance.VirtualKey;
import dev.tollgate.testing.TestGateway;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The admin UI's pages against a big SQLite store: generates {@code keys} keys in 10 teams (one a
 * team through the API, the rest copies of those through the governance store) and {@code rows}
 * spend records over the last 60 days (straight into the store, as the spend writer writes them),
 * restarts the gateway on that data, then times each page over HTTP. Run by {@code
 * bench/ui-bench.sh}; not a test.
 */
public final class UiBench {
  private static final String CONFIG =
      """
      model_list:
        - model_name: gpt-4o
          litellm_params: {model: mock/gpt-4o, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}
        - model_name: claude
          litellm_params: {model: mock/claude, input_cost_per_token: 0.000003, output_cost_per_token: 0.000015}
        - model_name: unpriced
          litellm_params: {model: openai/acme, api_base: http://127.0.0.1:9}
      """;

  private UiBench() {}

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    List<String> only = args.length > 3 ? List.of(args[3].split(",")) : List.of();
    Path dir = Files.createTempDirectory("tollgate-ui-bench");
    Map<String, String> env = Map.of("TOLLGATE_MASTER_KEY", TestGateway.MASTER_KEY);

    long t0 = System.nanoTime();
    List<String[]> made = new ArrayList<>();
    try (TestGateway gw = TestGateway.start(CONFIG, env, dir)) {
      for (int t = 0; t < 10; t++) {
        gw.post("/team/new", "{\"team_id\":\"team-" + t + "\",\"max_budget\":1000}");
      }
      // One key per team through the API; the rest are copies of these, below.
      for (int n = 0; n < Math.min(keys, 10); n++) {
        HttpResponse<String> r =
            gw.post(
                "/key/generate",
                "{\"key_alias\":\"key-%d\",\"team_id\":\"team-%d\",\"max_budget\":50}"
                    .formatted(n, n % 10));
        JsonNode j = Json.MAPPER.readTree(r.body());
        made.add(new String[] {j.path("token").asText(), "team-" + n});
      }
    }
    if (keys > made.size()) {
      try (Database db = Database.open(Optional.empty(), dir.resolve("data"))) {
        made.addAll(copyKeys(db.governance(), made, keys));
      }
    }
    System.out.printf("%d keys in %.1f s%n", keys, (System.nanoTime() - t0) / 1e9);

    t0 = System.nanoTime();
    String firstRequest = "";
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve("data").resolve(Database.SQLITE_FILE))) {
      SplittableRandom random = new SplittableRandom(17);
      long now = System.currentTimeMillis();
      List<String> models = List.of("gpt-4o", "claude", "unpriced");
      List<SpendRecord> batch = new ArrayList<>();
      for (int i = 0; i < rows; i++) {
        String[] key = made.get(random.nextInt(made.size()));
        String model = models.get(random.nextInt(models.size()));
        long in = 100 + random.nextInt(2000);
        long out = 10 + random.nextInt(500);
        boolean unpriced = model.equals("unpriced");
        String id = "bench-" + i;
        if (i == 0) {
          firstRequest = id;
        }
        batch.add(
            new SpendRecord(
                id,
                now - random.nextLong(60L * 86_400_000),
                key[0],
                Optional.empty(),
                Optional.of(key[1]),
                Optional.empty(),
                Optional.empty(),
                random.nextInt(4) == 0 ? List.of("tag-" + random.nextInt(5)) : List.of(),
                model,
                Optional.of(model + "-1"),
                Optional.of(model),
                unpriced ? "unknown" : "priced",
                unpriced ? "none" : "custom",
                in,
                out,
                0,
                0,
                0,
                unpriced ? OptionalLong.empty() : OptionalLong.of(in * 2_500 + out * 10_000),
                UsageSource.PROVIDER,
                random.nextInt(50) == 0 ? 429 : 200,
                Optional.empty(),
                200 + random.nextInt(2000),
                false,
                List.of(),
                Optional.empty()));
        if (batch.size() == 10_000) {
          List<SpendRecord> b = List.copyOf(batch);
          Transactions.run(c, x -> SpendSql.insert(x, b));
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        List<SpendRecord> b = List.copyOf(batch);
        Transactions.run(c, x -> SpendSql.insert(x, b));
      }
    }
    System.out.printf("%d spend records in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);

    try (TestGateway gw = TestGateway.start(CONFIG, env, dir)) {
      Client ui = Client.login(gw);
      String token = made.get(0)[0];
      List<String> pages =
          List.of(
              "/ui/",
              "/ui/keys",
              "/ui/keys?q=key-9999",
              "/ui/keys?page=200",
              "/ui/keys/" + token,
              "/ui/teams",
              "/ui/teams/team-3",
              "/ui/users",
              "/ui/organizations",
              "/ui/customers",
              "/ui/tags",
              "/ui/budgets",
              "/ui/models",
              "/ui/pricing",
              "/ui/spend",
              "/ui/spend?key=key-1",
              "/ui/spend?team=team-3&model=claude",
              "/ui/spend?tag=tag-2",
              "/ui/spend?tag=tag-2&team=team-3",
              "/ui/spend?page=100",
              "/ui/spend/" + firstRequest);
      System.out.println();
      System.out.println("| page | median ms | p95 ms | max ms |");
      System.out.println("| --- | ---: | ---: | ---: |");
      for (String page : pages) {
        if (!only.isEmpty() && !only.contains(page)) {
          continue;
        }
        ui.get(page); // warm-up
        long[] ms = new long[repeats];
        for (int i = 0; i < repeats; i++) {
          long s = System.nanoTime();
          HttpResponse<String> r = ui.get(page);
          ms[i] = (System.nanoTime() - s) / 1_000_000;
          if (r.statusCode() != 200) {
            throw new IllegalStateException(page + ": " + r.statusCode() + " " + r.body());
          }
        }
        Arrays.sort(ms);
        System.out.printf(
            "| `%s` | %d | %d | %d |%n",
            page.replace(token, "<token>"),
            ms[repeats / 2],
            ms[Math.min(repeats - 1, (int) Math.ceil(repeats * 0.95) - 1)],
            ms[repeats - 1]);
      }
    }
  }

  /**
   * Keys {@code key-10} up to {@code keys - 1}, each a copy of the API-made key of its team under a
   * new id, secret and alias, written through the governance store as {@code /key/generate} writes
   * them (the same codec, so the same JSON); a thousand to a transaction.
   */
  private static List<String[]> copyKeys(GovernanceStore store, List<String[]> made, int keys) {
    Map<String, VirtualKey> templates = new HashMap<>();
    for (Entity e : store.loadAll()) {
      if (e instanceof VirtualKey k) {
        templates.put(k.tokenHash(), k);
      }
    }
    Instant now = Instant.now();
    List<String[]> out = new ArrayList<>();
    List<EntityChange> changes = new ArrayList<>();
    for (int n = made.size(); n < keys; n++) {
      VirtualKey t = Objects.requireNonNull(templates.get(made.get(n % 10)[0]), "template key");
      String secret = KeySecrets.generate();
      Instant created = now.plusMillis(n);
      VirtualKey k =
          new VirtualKey(
              UUID.randomUUID().toString(),
              KeySecrets.hash(secret),
              KeySecrets.mask(secret),
              Optional.of("key-" + n),
              t.models(),
              t.limits(),
              t.budgetId(),
              t.userId(),
              t.teamId(),
              t.organizationId(),
              t.metadata(),
              t.tags(),
              t.expires(),
              false,
              created,
              created);
      changes.add(new EntityChange.Upsert(k));
      out.add(new String[] {k.tokenHash(), k.teamId().orElseThrow()});
      if (changes.size() == 1_000 || n == keys - 1) {
        store.apply(List.copyOf(changes), List.of());
        changes.clear();
      }
    }
    return out;
  }

  /** A logged-in UI session: the login form's token, then the session cookie. */
  private record Client(TestGateway gw, String cookie) {
    static Client login(TestGateway gw) throws Exception {
      HttpResponse<String> form = gw.send(HttpRequest.newBuilder(gw.uri("/ui/login")).build());
      String login = form.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
      String csrf =
          org.jsoup.Jsoup.parse(form.body()).expectFirst("#login input[name=_csrf]").val();
      HttpResponse<String> r =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/ui/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Cookie", login)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "key="
                              + URLEncoder.encode(TestGateway.MASTER_KEY, StandardCharsets.UTF_8)
                              + "&_csrf="
                              + URLEncoder.encode(csrf, StandardCharsets.UTF_8)))
                  .build());
      String session =
          r.headers().allValues("set-cookie").stream()
              .filter(c -> c.startsWith("tollgate_ui="))
              .findFirst()
              .orElseThrow()
              .split(";", 2)[0];
      return new Client(gw, session);
    }

    HttpResponse<String> get(String path) {
      return gw.send(HttpRequest.newBuilder(gw.uri(path)).header("Cookie", cookie).build());
    }
  }
}
