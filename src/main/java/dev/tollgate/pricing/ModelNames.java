package dev.tollgate.pricing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The string rules behind {@link Catalog#lookup}: provider aliases, Bedrock region and route
 * prefixes, and version suffixes. Each rule is exact and documented in docs/pricing.md; nothing
 * here guesses.
 */
final class ModelNames {

  /**
   * LiteLLM {@code litellm_provider} values that are a flavour of another provider. Catalog keys
   * use the provider on the right, so cost-map entries are filed under it.
   */
  private static final Map<String, String> LITELLM_PROVIDER_PREFIX =
      Map.of(
          "text-completion-openai", "openai",
          "azure_text", "azure",
          "bedrock_converse", "bedrock",
          "cohere_chat", "cohere",
          "text-completion-codestral", "codestral",
          "fireworks_ai-embedding-models", "fireworks_ai");

  /**
   * Provider prefixes a caller may write that are priced under another prefix when the catalog has
   * no entry under their own. {@code azure_ai} (Azure AI Foundry) has entries of its own for the
   * models it alone sells; the Azure OpenAI models it also serves cost what they cost on {@code
   * azure}.
   */
  private static final Map<String, String> LOOKUP_ALIASES = Map.of("azure_ai", "azure");

  private static final Pattern DATE_SUFFIX = Pattern.compile("-(20\\d\\d-\\d\\d-\\d\\d|20\\d{6})$");
  private static final Pattern AT_VERSION_SUFFIX = Pattern.compile("@(\\d+|latest)$");
  private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d+");
  private static final Pattern CROSS_REGION_PROFILE =
      Pattern.compile("(us|us-gov|eu|apac|au|jp|ca|global)\\.([^/]+)");

  private ModelNames() {}

  /** The catalog key prefix for a LiteLLM {@code litellm_provider} value. */
  static String catalogProvider(String liteLlmProvider) {
    if (liteLlmProvider.startsWith("vertex_ai")) {
      // vertex_ai-language-models, vertex_ai-anthropic_models, ...: all called as vertex_ai/...
      return "vertex_ai";
    }
    return LITELLM_PROVIDER_PREFIX.getOrDefault(liteLlmProvider, liteLlmProvider);
  }

  /** The prefix {@code provider} is priced under when it has no entry of its own, if any. */
  static String pricedAs(String provider) {
    String alias = LOOKUP_ALIASES.get(provider);
    return alias != null ? alias : catalogProvider(provider);
  }

  /** Whether {@code provider} is a prefix that {@link #pricedAs} rewrites. */
  static boolean isAlias(String provider) {
    return !pricedAs(provider).equals(provider);
  }

  /**
   * Shorter Bedrock model ids for {@code model} (the part after {@code bedrock/}), shortest last:
   * leading {@code converse/}, {@code invoke/} and AWS region segments removed one at a time, then
   * a cross-region inference profile prefix ({@code us.}, {@code eu.}, {@code apac.}, {@code
   * global.}, ...).
   */
  static List<String> bedrockBaseIds(String model) {
    List<String> out = new ArrayList<>(3);
    String id = model;
    for (int slash = id.indexOf('/'); slash > 0; slash = id.indexOf('/')) {
      String segment = id.substring(0, slash);
      if (!segment.equals("converse")
          && !segment.equals("invoke")
          && !AWS_REGION.matcher(segment).matches()) {
        break;
      }
      id = id.substring(slash + 1);
      out.add(id);
    }
    Matcher profile = CROSS_REGION_PROFILE.matcher(id);
    if (profile.matches()) {
      out.add(profile.group(2));
    }
    return out;
  }

  /**
   * {@code name} without a trailing release date ({@code -2024-07-18}, {@code -20240718}) or Vertex
   * version ({@code @20240620}, {@code @001}, {@code @latest}); {@code name} itself when it has
   * neither.
   */
  static String withoutVersion(String name) {
    Matcher date = DATE_SUFFIX.matcher(name);
    if (date.find()) {
      return name.substring(0, date.start());
    }
    Matcher at = AT_VERSION_SUFFIX.matcher(name);
    if (at.find()) {
      return name.substring(0, at.start());
    }
    return name;
  }
}
