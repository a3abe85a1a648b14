package dev.tollgate.ui;

import java.util.List;
import java.util.Optional;

/**
 * What each template shows, as plain text already formatted (money through {@link
 * dev.tollgate.pricing.CostCalculator#formatUsd}): the templates only lay it out. Immutable.
 */
final class Pages {
  private Pages() {}

  /**
   * What every page's frame needs.
   *
   * @param active the navigation entry to mark
   * @param who how the logged-in caller is named
   * @param viewer whether the caller may change nothing (not even its own keys)
   * @param all whether the caller reads everything, so sees every page; else only its own keys and
   *     spend
   * @param csrf the session's CSRF token, for every form
   * @param htmx the path of htmx under /ui/static
   */
  record Chrome(
      String title,
      String active,
      String who,
      boolean viewer,
      boolean all,
      String csrf,
      String htmx,
      String css) {}

  record Login(String csrf, boolean passwords, Optional<String> error, String htmx, String css) {}

  record Failure(int status, String message, String css) {}

  /** An amount of money already formatted, with how many requests had no price. */
  record Period(String label, String spend, long requests, long unpriced, long estimated) {}

  record Overview(
      Chrome chrome,
      List<Period> periods,
      long unknownDeployments,
      List<ChainLine> global,
      List<Chart> charts) {}

  record KeyRow(
      String token,
      String name,
      String user,
      String team,
      String spend,
      String maxBudget,
      boolean blocked,
      String created,
      boolean canBlock,
      boolean canDelete) {}

  /**
   * One page of keys.
   *
   * @param canCreate whether the permission table lets the caller create keys
   * @param canBlock whether it lets the caller block and unblock keys
   * @param canDelete whether it lets the caller delete keys
   */
  record Keys(
      Chrome chrome,
      String q,
      List<KeyRow> rows,
      int page,
      int pages,
      long total,
      boolean canCreate,
      boolean canBlock,
      boolean canDelete,
      Optional<String> error) {}

  /**
   * One budget of a key's chain, as {@code /key/info} returns it.
   *
   * @param hidden the proxy-wide figures, which only admins see
   */
  record ChainLine(
      String level,
      String entity,
      String spend,
      String reserved,
      String max,
      String window,
      String resetAt,
      boolean exhausted,
      boolean hidden) {}

  /**
   * A key's page.
   *
   * @param blocking which budget refuses the next request and why; empty when none does
   * @param secret the new key, shown once, right after it was created
   */
  record Key(
      Chrome chrome,
      String token,
      String name,
      String alias,
      String user,
      String team,
      String models,
      String spend,
      String maxBudget,
      String duration,
      String expires,
      boolean blocked,
      List<ChainLine> chain,
      Optional<String> blocking,
      Optional<String> secret,
      boolean canBlock,
      boolean canDelete,
      List<FieldValue> edit,
      boolean canEdit,
      boolean canRegenerate) {}

  /**
   * One deployment and its price.
   *
   * @param price {@code priced/catalog}, {@code priced/custom}, {@code free} or {@code unknown}
   * @param input the input rate per million tokens in USD, or a dash
   */
  record ModelRow(
      String group,
      String id,
      String provider,
      String model,
      String price,
      boolean unknown,
      String input,
      String output,
      String origin) {}

  record Models(Chrome chrome, List<ModelRow> rows, long unknown) {}

  /** One deployment of {@code /pricing/unknown}, with how to fix it. */
  record Gap(String id, String group, String model, String origin, String fix) {}

  record Gaps(Chrome chrome, List<Gap> gaps) {}

  record SpendFilters(
      String key, String user, String team, String tag, String model, String start, String end) {}

  record SpendRow(
      String requestId,
      String time,
      String key,
      String user,
      String team,
      String model,
      String status,
      long inputTokens,
      long outputTokens,
      String cost,
      String price,
      String usage) {}

  /**
   * One page of the spend log.
   *
   * @param prev the query string of the previous page, or empty on the first
   * @param next the query string of the next page, or empty on the last
   */
  record Spend(
      Chrome chrome,
      SpendFilters filters,
      List<SpendRow> rows,
      int page,
      long pages,
      long total,
      String prev,
      String next) {}

  /** One entity of a list page; money already formatted, empty where the kind has none. */
  record EntityRow(
      String id,
      String name,
      String spend,
      String maxBudget,
      String window,
      String resetAt,
      String models,
      boolean blocked) {}

  record Entities(
      Chrome chrome,
      Entity kind,
      String q,
      List<EntityRow> rows,
      boolean canCreate,
      boolean canDelete) {}

  /** A team member with its budget in the team. */
  record Member(
      String user, String role, String spend, String maxBudget, String window, boolean exhausted) {}

  /** An edit form's field with the entity's current value. */
  record FieldValue(Entity.Field field, String value) {}

  record EntityPage(
      Chrome chrome,
      Entity kind,
      EntityRow row,
      List<FieldValue> values,
      List<ChainLine> budgets,
      List<Member> members,
      boolean canEdit,
      boolean canDelete,
      boolean canManageMembers) {}

  /** One rectangle of a chart, with its tooltip. */
  record Bar(int x, int y, int width, int height, String fill, String title) {}

  /** A day's label under the bars. */
  record Tick(int x, String label) {}

  record Legend(String fill, String label, String total) {}

  /** A server-drawn SVG bar chart; {@code max} is the tallest bar's amount. */
  record Chart(
      String id,
      String title,
      int width,
      int height,
      List<Bar> bars,
      List<Tick> ticks,
      List<Legend> legend,
      String max) {}

  /**
   * One request of the spend log in full.
   *
   * @param attempts each try, as "model group / deployment: status (error)"
   */
  record Request(
      Chrome chrome,
      SpendRow row,
      String deployment,
      String providerModel,
      String requestedModel,
      long cacheReadTokens,
      long cacheCreationTokens,
      long reasoningTokens,
      String tags,
      String error,
      long latencyMillis,
      boolean stream,
      List<String> attempts) {}

  /** One name and value of the settings page. */
  record Setting(String name, String value) {}

  /**
   * The settings page: the loaded config without its secrets, and the store's, the counters' and
   * the spend log's state as readiness reports them.
   *
   * @param models each deployment as {@code /model/info} shows it (no credentials), as JSON text
   */
  record Settings(
      Chrome chrome,
      String source,
      List<Setting> general,
      List<Setting> router,
      List<String> warnings,
      List<String> models,
      List<Setting> store,
      List<Setting> spendLog) {}
}
