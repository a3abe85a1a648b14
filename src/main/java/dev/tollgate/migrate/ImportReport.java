package dev.tollgate.migrate;

import dev.tollgate.budget.Usd;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one import did, counted by kind, for the summary it prints. Not thread-safe. */
final class ImportReport {
  /** The kinds in the order they are imported and printed. */
  private static final List<String> KINDS =
      List.of("budget", "user", "organization", "team", "key", "customer", "tag", "model");

  private final Map<String, int[]> counts = new LinkedHashMap<>();
  private final List<String> skipped = new ArrayList<>();
  private final List<String> operator = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private long spendNanos;
  private int spendRows;

  ImportReport() {
    KINDS.forEach(k -> counts.put(k, new int[3]));
  }

  void imported(String kind) {
    of(kind)[0]++;
  }

  void unchanged(String kind) {
    of(kind)[1]++;
  }

  void skipped(String kind) {
    of(kind)[2]++;
  }

  void skipped(String kind, String who, String why) {
    skipped(kind);
    skipped.add(kind + " " + who + ": " + why);
  }

  void needsOperator(String what) {
    operator.add(what);
  }

  void note(String what) {
    notes.add(what);
  }

  void spend(long nanos) {
    spendNanos += nanos;
    spendRows++;
  }

  /** How many of {@code kind} were imported (column 0), unchanged (1) or skipped (2). */
  int count(String kind, int column) {
    return of(kind)[column];
  }

  /** Whether everything was imported or already there, and nothing waits for the operator. */
  boolean complete() {
    return skipped.isEmpty() && operator.isEmpty();
  }

  /** Whether this run wrote nothing: every entity was already there. */
  boolean changedNothing() {
    return counts.values().stream().allMatch(c -> c[0] == 0);
  }

  void print(PrintStream out) {
    out.println("import-litellm summary (imported / already present and unchanged / skipped):");
    for (Map.Entry<String, int[]> e : counts.entrySet()) {
      int[] c = e.getValue();
      out.printf("  %-13s %5d / %5d / %5d%n", e.getKey() + "s", c[0], c[1], c[2]);
    }
    out.println(
        "  spend carried over: $"
            + Usd.of(spendNanos).toPlainString()
            + " in "
            + spendRows
            + " opening spend row(s) for the entities imported now");
    section(out, "skipped", skipped);
    section(out, "needs the operator", operator);
    section(out, "notes", notes);
    out.println(
        changedNothing()
            ? "Nothing changed: everything was already in Tollgate."
            : complete() ? "Done." : "Done, with the items above to look at.");
  }

  private int[] of(String kind) {
    int[] c = counts.get(kind);
    if (c == null) {
      throw new IllegalArgumentException("unknown kind " + kind);
    }
    return c;
  }

  private static void section(PrintStream out, String title, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    out.println(title + ":");
    lines.forEach(l -> out.println("  - " + l));
  }
}
