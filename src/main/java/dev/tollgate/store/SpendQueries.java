package dev.tollgate.store;

import dev.tollgate.budget.SpendRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reports over the spend log, for {@code GET /spend/logs} and {@code GET /global/spend/report}.
 * Amounts are nano-USD; converting to dollars is the API edge's job. Every method blocks: call it
 * from a worker thread, never from an event loop.
 *
 * <p>A row whose cost is unknown (its price was unknown, or the provider never reported usage) has
 * no cost: it adds nothing to {@link Group#spendNanos} and is counted, with its tokens, in {@link
 * Group#unknownCostRequests} and {@link Group#unknownCostTokens}, so unknown spend stays visible.
 */
public interface SpendQueries {

  /** One page of spend rows matching the filter, newest first, with the total number of matches. */
  Page spendLogs(Filter filter, int page, int pageSize);

  /**
   * Spend between {@code startMillis} (inclusive) and {@code endMillis} (exclusive), grouped by one
   * or two dimensions (such as day then team), ordered by the group keys.
   */
  List<Group> globalSpendReport(long startMillis, long endMillis, List<GroupBy> groupBy);

  /**
   * Which rows to return; every present field must match. Times are epoch milliseconds, {@code
   * startMillis} inclusive and {@code endMillis} exclusive.
   *
   * @param requestId the one request's row
   * @param model the model group
   * @param tag rows carrying this tag among theirs
   */
  record Filter(
      Optional<String> requestId,
      Optional<String> keyHash,
      Optional<String> userId,
      Optional<String> teamId,
      Optional<String> tag,
      Optional<String> model,
      OptionalLong startMillis,
      OptionalLong endMillis) {

    public static Filter all() {
      return new Filter(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          OptionalLong.empty(),
          OptionalLong.empty());
    }

    public Filter withKeyHash(String v) {
      return new Filter(
          requestId, Optional.of(v), userId, teamId, tag, model, startMillis, endMillis);
    }

    public Filter withUserId(String v) {
      return new Filter(
          requestId, keyHash, Optional.of(v), teamId, tag, model, startMillis, endMillis);
    }

    public Filter withTeamId(String v) {
      return new Filter(
          requestId, keyHash, userId, Optional.of(v), tag, model, startMillis, endMillis);
    }

    public Filter withTag(String v) {
      return new Filter(
          requestId, keyHash, userId, teamId, Optional.of(v), model, startMillis, endMillis);
    }

    public Filter withModel(String v) {
      return new Filter(
          requestId, keyHash, userId, teamId, tag, Optional.of(v), startMillis, endMillis);
    }

    /** Rows started in {@code [start, end)}, epoch milliseconds. */
    public Filter between(long start, long end) {
      return new Filter(
          requestId,
          keyHash,
          userId,
          teamId,
          tag,
          model,
          OptionalLong.of(start),
          OptionalLong.of(end));
    }

    /** The row of request {@code v} (LiteLLM's {@code request_id}), if it matches the rest. */
    public Filter withRequestId(String v) {
      return new Filter(
          Optional.of(v), keyHash, userId, teamId, tag, model, startMillis, endMillis);
    }
  }

  /**
   * One page of rows.
   *
   * @param page 1-based
   * @param total rows matching the filter, on every page
   */
  record Page(List<SpendRecord> rows, long total, int page, int pageSize) {
    public Page {
      rows = List.copyOf(rows);
    }

    public long totalPages() {
      return (total + pageSize - 1) / pageSize;
    }
  }

  /** A grouping dimension of the spend report. */
  enum GroupBy {
    /** The UTC calendar day the request started, as {@code YYYY-MM-DD}. */
    DAY,
    TEAM,
    /** The key hash. */
    KEY,
    /** The model group. */
    MODEL,
    /** The user of the key, or none. */
    USER,
    /**
     * Each tag of the row: a row with two tags counts in both groups, and a row with none in the
     * group with an empty key.
     */
    TAG
  }

  /**
   * Token sums.
   *
   * @param output all output tokens, reasoning included
   * @param reasoning the reasoning part of {@code output}
   */
  record Tokens(long input, long output, long cacheRead, long cacheCreation, long reasoning) {}

  /**
   * One group of the spend report.
   *
   * @param keys one per grouping dimension, in order; empty where rows have no value (no team, no
   *     tag)
   * @param requests every request in the group, whatever its cost
   * @param spendNanos the sum of the known costs
   * @param tokens tokens of every request in the group
   * @param unknownCostRequests requests whose cost is unknown, which {@code spendNanos} leaves out
   * @param unknownCostTokens the tokens of those requests
   * @param estimatedRequests requests whose usage the provider did not report, so was estimated
   * @param estimatedSpendNanos the part of {@code spendNanos} that those requests cost
   * @param cacheHits requests the response cache answered, at no cost
   * @param cacheSavedNanos what those requests would have cost, where their price was known
   */
  record Group(
      List<Optional<String>> keys,
      long requests,
      long spendNanos,
      Tokens tokens,
      long unknownCostRequests,
      Tokens unknownCostTokens,
      long estimatedRequests,
      long estimatedSpendNanos,
      long cacheHits,
      long cacheSavedNanos) {
    /** A group with no estimated usage. */
    public Group(
        List<Optional<String>> keys,
        long requests,
        long spendNanos,
        Tokens tokens,
        long unknownCostRequests,
        Tokens unknownCostTokens) {
      this(keys, requests, spendNanos, tokens, unknownCostRequests, unknownCostTokens, 0, 0, 0, 0);
    }

    public Group {
      keys = List.copyOf(keys);
      Objects.requireNonNull(tokens, "tokens");
      Objects.requireNonNull(unknownCostTokens, "unknownCostTokens");
    }

    /** The same figures under other keys. */
    public Group withKeys(List<Optional<String>> newKeys) {
      return new Group(
          newKeys,
          requests,
          spendNanos,
          tokens,
          unknownCostRequests,
          unknownCostTokens,
          estimatedRequests,
          estimatedSpendNanos,
          cacheHits,
          cacheSavedNanos);
    }
  }
}
