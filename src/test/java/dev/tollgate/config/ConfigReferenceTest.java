package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.pricing.RateKey;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's config reference against the loader: every key the loader reads is documented, the
 * reference's own example loads with no warning, and every key listed as "Accepted without effect"
 * is warned about by name. A key added to the loader without a README row fails here.
 */
class ConfigReferenceTest {
  static final Path README = Path.of("README.md");
  static final Path LOADER = Path.of("src/main/java/dev/tollgate/config/ConfigLoader.java");

  /** A key read through the loader's typed section reads, such as {@code s.bool("json_logs")}. */
  static final Pattern READ =
      Pattern.compile(
          "\\.(?:string|bool|take|names|decimal|nonNegativeDecimal|positiveDecimal|nanos"
              + "|nonNegativeLong|seconds|duration)\\(\"([a-z0-9_]+)\"\\)"
              + "|positiveSeconds\\(s, \"([a-z0-9_]+)\"\\)"
              + "|cap\\([a-z], \"([a-z0-9_]+)\", \"([a-z0-9_]+)\"\\)"
              + "|new String\\[\\] \\{([^}]*)\\}");

  static String readme() throws IOException {
    return Files.readString(README, StandardCharsets.UTF_8);
  }

  static String section(String text, String heading) {
    int start = text.indexOf("\n## " + heading + "\n");
    assertThat(start).as("README has ## " + heading).isNotNegative();
    int end = text.indexOf("\n## ", start + 1);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  /** The reference's YAML example. */
  static String example() throws IOException {
    String ref = section(readme(), "Config reference");
    int start = ref.indexOf("```yaml\n") + "```yaml\n".length();
    return ref.substring(start, ref.indexOf("```", start));
  }

  /** The first column of the "Accepted without effect" table: each backticked key. */
  static List<String> withoutEffect() throws IOException {
    String ref = section(readme(), "Config reference");
    String table = ref.substring(ref.indexOf("**Accepted without effect.**"));
    List<String> keys = new ArrayList<>();
    for (String line : table.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      Matcher m = Pattern.compile("`([^`]+)`").matcher(line.split("\\|")[1]);
      while (m.find()) {
        keys.add(m.group(1));
      }
    }
    return keys;
  }

  /** Every key the loader accepts: its key tables and the keys its sections read by name. */
  static Set<String> loaderKeys() throws Exception {
    Set<String> keys = new TreeSet<>();
    for (String table :
        new String[] {
          "TOP_LEVEL", "PROVIDER_KEYS", "MODEL_INFO_KEYS", "ROUTER_KEYS_IN_LITELLM_SETTINGS"
        }) {
      Field f = ConfigLoader.class.getDeclaredField(table);
      f.setAccessible(true);
      for (Object k : (Collection<?>) f.get(null)) {
        keys.add((String) k);
      }
    }
    keys.addAll(ConfigLoader.NO_EFFECT_PARAMS.keySet());
    Matcher m = READ.matcher(Files.readString(LOADER, StandardCharsets.UTF_8));
    while (m.find()) {
      for (int g = 1; g <= 4; g++) {
        if (m.group(g) != null) {
          keys.add(m.group(g));
        }
      }
      if (m.group(5) != null) {
        Matcher lit = Pattern.compile("\"([a-z0-9_]+)\"").matcher(m.group(5));
        while (lit.find()) {
          keys.add(lit.group(1));
        }
      }
    }
    for (RateKey k : RateKey.values()) {
      keys.add(k.liteLlmName());
    }
    return keys;
  }

  @Test
  void everyKeyTheLoaderAccepts_isInTheReadme() throws Exception {
    String readme = readme();
    String pricing = Files.readString(Path.of("docs/pricing.md"), StandardCharsets.UTF_8);
    Set<String> keys = loaderKeys();
    assertThat(keys).contains("json_logs", "drop_params", "model_list", "input_cost_per_second");

    List<String> missing = new ArrayList<>();
    for (String key : keys) {
      Pattern documented =
          Pattern.compile(
              "(^|[\\s{,(])" + Pattern.quote(key) + ":|`([a-z_*]+\\.)?" + Pattern.quote(key) + "`");
      boolean rate = RateKey.fromLiteLlmName(key).isPresent();
      if (!documented.matcher(readme).find() && !(rate && documented.matcher(pricing).find())) {
        missing.add(key);
      }
    }
    assertThat(missing).as("keys the loader accepts without a README row").isEmpty();
  }

  @Test
  void referenceExample_loadsWithoutAWarning() throws Exception {
    Environment env =
        Environment.of(
            Map.of(
                "OPENAI_API_KEY", "sk-test",
                "LITELLM_MASTER_KEY", "sk-master",
                "DATABASE_URL", "postgresql://localhost/db",
                "REDIS_PASSWORD", "secret"));

    GatewayConfig c;
    try {
      c = ConfigLoader.parse("README.md", example(), env);
    } catch (ConfigException e) {
      throw new AssertionError("the reference example does not load: " + e.getMessage(), e);
    }

    assertThat(c.warnings()).isEmpty();
    assertThat(c.modelList()).isNotEmpty();
  }

  @Test
  void everyKeyAcceptedWithoutEffect_isWarnedAboutByName() throws Exception {
    List<String> listed = withoutEffect();
    assertThat(listed)
        .contains("litellm_params.use_in_pass_through")
        .doesNotContain("litellm_params.drop_params");
    for (String key : ConfigLoader.NO_EFFECT_PARAMS.keySet()) {
      assertThat(listed).contains("litellm_params." + key);
      GatewayConfig c =
          ConfigLoader.parse(
              "config.yaml",
              """
              model_list:
                - model_name: m
                  litellm_params: {model: openai/gpt-4o, %s: true}
              """
                  .formatted(key),
              ConfigLoaderTest.ENV);

      assertThat(c.warnings())
          .singleElement()
          .asString()
          .contains("model_list[0].litellm_params." + key);
    }
  }
}
