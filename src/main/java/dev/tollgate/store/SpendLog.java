package dev.tollgate.store;

import dev.tollgate.budget.Charges;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.budget.SpendSink;
import dev.tollgate.store.CounterSql.Charged;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spend log: every request's {@link SpendRecord} is written to {@code spend_logs}
 * exactly once, off the request path, and none is ever silently dropped.
 *
 * <p>{@link #record} only puts the record in a bounded in-memory queue and returns; it is safe on
 * an event loop. One writer thread takes what is queued (up to a batch) and inserts it in one
 * transaction (group commit), idempotently on the request id, so a batch written twice counts once.
 *
 * <ul>
 *   <li><b>Queue full:</b> records that do not fit go to a spill thread that appends them to the
 *       local journal ({@value SpendJournal#JOURNAL} in the data dir, fsync'd per batch). The
 *       writer replays the journal into the database once the queue has room again.
 *   <li><b>Database away:</b> a failed batch is retried with backoff; after a few failures the log
 *       turns degraded (one warning line, {@link Stats#degraded}), journals the batch and
 *       everything queued after it as it arrives, and probes the database with growing backoff.
 *       When it answers, the journal is replayed and the log recovers (one info line).
 *   <li><b>Bad record:</b> when a batch fails on a constraint or data error, its records are
 *       written one by one, and each that fails on its own goes to the dead-letter file ({@value
 *       SpendJournal#DEAD_LETTER}) with the error.
 *   <li><b>Start:</b> a journal left by an earlier run is replayed before the log takes records.
 *   <li><b>{@link #close}:</b> writes everything queued, replays the journal, and returns; if the
 *       database is away, it journals what is left instead.
 * </ul>
 *
 * <p>Thread-safe. Only the writer thread touches the database; the record path allocates nothing
 * beyond the queue node when the queue has room.
 */
public final class SpendLog implements SpendSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpendLog.class);

  /**
   * How the spend log behaves.
   *
   * @param capacity records held in memory before spilling to the journal
   * @param batchSize most records per transaction
   * @param poll how long the writer waits for a record before housekeeping (journal replay, probing
   *     the database when degraded); also the longest a record waits in memory while the log is
   *     degraded
   * @param retryBackoff the first wait after a failed write; it doubles per failure
   * @param maxBackoff the longest wait between probes of an away database
   * @param attemptsBeforeJournal failed writes of one batch before the log turns degraded
   * @param degradeAfter how long one batch may keep failing before the log turns degraded, however
   *     few the attempts (an attempt can wait for the pool's connection timeout)
   * @param closeTimeout how long {@link #close} waits for the writer before journaling what is left
   */
  record Options(
      int capacity,
      int batchSize,
      Duration poll,
      Duration retryBackoff,
      Duration maxBackoff,
      int attemptsBeforeJournal,
      Duration degradeAfter,
      Duration closeTimeout) {

    static Options defaults() {
      return new Options(
          100_000,
          2_000,
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofSeconds(5),
          3,
          Duration.ofSeconds(1),
          Duration.ofSeconds(20));
    }

    Options withCapacity(int capacity) {
      return new Options(
          capacity,
          batchSize,
          poll,
          retryBackoff,
          maxBackoff,
          attemptsBeforeJournal,
          degradeAfter,
          closeTimeout);
    }

    Options withMaxBackoff(Duration maxBackoff) {
      return new Options(
          capacity,
          batchSize,
          poll,
          retryBackoff,
          maxBackoff,
          attemptsBeforeJournal,
          degradeAfter,
          closeTimeout);
    }
  }

  /**
   * Counters and gauges of the spend log, a snapshot.
   *
   * @param recorded records handed to {@link #record} since start
   * @param persisted of those, records now committed, journaled or dead-lettered: safe from a kill
   * @param queued records only in memory (queue, overflow, the batch being written)
   * @param written records committed to the database, from memory or replayed from the journal (a
   *     record already stored counts again when written again, but is stored once)
   * @param journaled records appended to the journal
   * @param replayed records written to the database from the journal
   * @param journalPending records in the journal not yet known to be in the database
   * @param deadLettered records put in the dead-letter file
   * @param retries failed attempts to write to the database
   * @param degraded whether the database is away and records go to the journal
   */
  public record Stats(
      long recorded,
      long persisted,
      long queued,
      long written,
      long journaled,
      long replayed,
      long journalPending,
      long deadLettered,
      long retries,
      boolean degraded) {}

  private final DataSource pool;
  private final BooleanSupplier reachable;
  private final SpendJournal journal;
  private final Options options;
  private final ArrayBlockingQueue<Charged> queue;
  private final ConcurrentLinkedQueue<Charged> overflow = new ConcurrentLinkedQueue<>();
  private final AtomicInteger overflowed = new AtomicInteger();
  private final LongAdder recorded = new LongAdder();
  private final AtomicLong persisted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong journaled = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicBoolean closeCalled = new AtomicBoolean();
  private final Thread writer;
  private final Thread spiller;

  private volatile boolean degraded;
  private volatile boolean closing;
  private volatile boolean spillerDone;
  private volatile boolean closed;

  /**
   * The writer's current batch, for {@link Stats#queued} and for a {@link #close} that times out.
   */
  private volatile List<Charged> inFlight = List.of();

  private long degradedSinceNanos;

  /**
   * Opens the spend log on the data dir's journal and replays what an earlier run left there.
   *
   * @param reachable whether the database answers, within a bounded time
   */
  SpendLog(DataSource pool, BooleanSupplier reachable, Path dataDir, Options options)
      throws IOException {
    this.pool = pool;
    this.reachable = reachable;
    this.options = options;
    this.queue = new ArrayBlockingQueue<>(options.capacity());
    this.journal = new SpendJournal(dataDir);
    if (journal.pending() > 0) {
      LOG.info("spend log: replaying {} records from {}", journal.pending(), journal.journalFile());
      try {
        replayJournal();
      } catch (SQLException | IOException e) {
        retries.incrementAndGet();
        enterDegraded(e);
      }
    }
    this.writer = Thread.ofPlatform().name("tollgate-spend-writer").daemon().unstarted(this::write);
    this.spiller = Thread.ofPlatform().name("tollgate-spend-spill").daemon().unstarted(this::spill);
    writer.start();
    spiller.start();
  }

  /** Queues the record, charged to no counter, and returns at once. */
  @Override
  public void record(SpendRecord r) {
    record(r, Charges.NONE);
  }

  /**
   * Queues the record with the counters its settlement charged, and returns at once; never blocks
   * on the database or the disk. The record's row and those counters move in one transaction.
   */
  public void record(SpendRecord record, Charges charges) {
    Charged r = new Charged(Objects.requireNonNull(record, "record"), charges);
    recorded.increment();
    if (!queue.offer(r)) {
      overflow.add(r);
      overflowed.incrementAndGet();
      LockSupport.unpark(spiller);
    }
    if (closed) {
      journalLeftovers();
    }
  }

  /**
   * Waits until every record handed to the log before this call is persisted, or {@code max} has
   * passed; returns whether it was. Blocks: call it from a worker or virtual thread. The floors of
   * shared counters are re-read after it, so that spend settled just before is in them.
   */
  public boolean awaitPersisted(java.time.Duration max) {
    long target = recorded.sum();
    long deadline = System.nanoTime() + max.toNanos();
    while (persisted.get() + deadLettered.get() < target) {
      if (System.nanoTime() >= deadline || closed) {
        return false;
      }
      LockSupport.parkNanos(1_000_000);
    }
    return true;
  }

  public Stats stats() {
    return new Stats(
        recorded.sum(),
        persisted.get(),
        queue.size() + overflowed.get() + inFlight.size(),
        written.get(),
        journaled.get(),
        replayed.get(),
        journal.pending(),
        deadLettered.get(),
        retries.get(),
        degraded);
  }

  /** The journal file in the data dir. */
  public Path journalFile() {
    return journal.journalFile();
  }

  /** The dead-letter file in the data dir. */
  public Path deadLetterFile() {
    return journal.deadLetterFile();
  }

  /**
   * Writes every queued record to the database (or, if it is away, to the journal) and stops.
   * Blocks; call it after the HTTP servers have stopped taking requests. Records handed to {@link
   * #record} afterwards go straight to the journal.
   */
  @Override
  public void close() {
    if (closeCalled.getAndSet(true)) {
      return;
    }
    closing = true;
    LockSupport.unpark(spiller);
    join(spiller, options.closeTimeout());
    spillerDone = true;
    join(writer, options.closeTimeout());
    if (writer.isAlive()) {
      // idempotent writes make it safe to journal what the stuck writer may still commit
      LOG.warn(
          "spend log: the database did not take the last records within {} s; journaling them",
          options.closeTimeout().toSeconds());
      appendLastResort(new ArrayList<>(inFlight));
    }
    closed = true;
    journalLeftovers();
    Stats s = stats();
    LOG.info(
        "spend log closed: {} recorded, {} written, {} waiting in {}, {} dead-lettered",
        s.recorded(),
        s.written(),
        s.journalPending(),
        journal.journalFile(),
        s.deadLettered());
  }

  private void write() {
    List<Charged> batch = new ArrayList<>(options.batchSize());
    int failures = 0;
    long firstFailure = 0;
    long backoff = options.retryBackoff().toNanos();
    long nextProbe = 0;
    CompletableFuture<Boolean> probe = null;
    while (true) {
      if (batch.isEmpty()) {
        take(batch);
      }
      if (degraded) {
        if (!batch.isEmpty()) {
          if (journalBatch(batch)) {
            batch.clear();
          } else {
            sleep(options.retryBackoff().toNanos());
          }
        }
        if (closing && spillerDone && batch.isEmpty() && queue.isEmpty()) {
          return;
        }
        // the probe runs apart, so that records keep reaching the journal while it waits
        if (probe == null) {
          if (System.nanoTime() - nextProbe >= 0) {
            probe = startProbe();
          }
        } else if (probe.isDone()) {
          boolean up = probe.join();
          probe = null;
          if (up && recover()) {
            backoff = options.retryBackoff().toNanos();
          } else {
            retries.incrementAndGet();
            nextProbe = System.nanoTime() + backoff;
            backoff = Math.min(backoff * 2, options.maxBackoff().toNanos());
          }
        }
        continue;
      }
      if (!batch.isEmpty()) {
        inFlight = List.copyOf(batch);
        try {
          writeDurably(batch);
          persisted.addAndGet(batch.size());
          batch.clear();
          failures = 0;
        } catch (SQLException | IOException e) {
          retries.incrementAndGet();
          if (failures++ == 0) {
            firstFailure = System.nanoTime();
          }
          if (failures >= options.attemptsBeforeJournal()
              || System.nanoTime() - firstFailure >= options.degradeAfter().toNanos()
              || closing) {
            enterDegraded(e);
            nextProbe = System.nanoTime() + backoff;
            failures = 0;
          } else {
            LOG.debug("spend log: write failed, retrying: {}", why(e));
            sleep(options.retryBackoff().toNanos() << (failures - 1));
          }
        } finally {
          inFlight = List.of();
        }
        continue;
      }
      if (journal.pending() > 0 && queue.size() < options.capacity() / 2) {
        try {
          replayJournal();
        } catch (SQLException | IOException e) {
          retries.incrementAndGet();
          enterDegraded(e);
          nextProbe = System.nanoTime() + backoff;
        }
        continue;
      }
      if (closing && spillerDone && queue.isEmpty()) {
        return;
      }
    }
  }

  private CompletableFuture<Boolean> startProbe() {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("tollgate-spend-probe")
        .start(
            () -> {
              try {
                f.complete(reachable.getAsBoolean());
              } catch (RuntimeException e) {
                f.complete(false);
              }
            });
    return f;
  }

  /** How long the writer lets a batch gather after its first record arrives. */
  private static final Duration LINGER = Duration.ofMillis(20);

  /** Takes the next batch: waits up to {@link Options#poll} for a first record, then drains. */
  private void take(List<Charged> batch) {
    try {
      Charged first =
          closing ? queue.poll() : queue.poll(options.poll().toNanos(), TimeUnit.NANOSECONDS);
      if (first != null) {
        batch.add(first);
        queue.drainTo(batch, options.batchSize() - 1);
        if (!closing && batch.size() < options.batchSize() && !LINGER.isZero()) {
          // Under load, a moment's wait gathers a larger batch: each commit then rewrites the
          // same table and index pages once for many rows instead of a few, which is most of
          // the cost of a spend row. The wait is bounded, and only delays durability, never a
          // request.
          Thread.sleep(LINGER);
          queue.drainTo(batch, options.batchSize() - batch.size());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing = true;
    }
  }

  /**
   * Writes the batch, isolating and dead-lettering records that fail on their own data. Returns
   * when every record is stored or dead-lettered; throws when the database must be tried again.
   */
  private void writeDurably(List<Charged> batch) throws SQLException, IOException {
    try (Connection c = pool.getConnection()) {
      insert(c, batch);
      written.addAndGet(batch.size());
      return;
    } catch (SQLException e) {
      if (!SpendSql.isBadData(e)) {
        throw e;
      }
    }
    for (Charged r : batch) {
      try (Connection c = pool.getConnection()) {
        insert(c, List.of(r));
        written.incrementAndGet();
      } catch (SQLException e) {
        if (!SpendSql.isBadData(e)) {
          throw e;
        }
        String why = SpendSql.describe(e);
        journal.deadLetter(r.record(), why);
        deadLettered.incrementAndGet();
        LOG.error(
            "spend log: request {} cannot be stored ({}); it is kept in {}",
            r.record().requestId(),
            why,
            journal.deadLetterFile());
      }
    }
  }

  /**
   * Inserts the records and, in the same transaction, moves the counters that the ones not stored
   * before were charged to: a batch written again (a retry after a lost commit, a replayed journal)
   * moves them once.
   */
  private void insert(Connection c, List<Charged> batch) throws SQLException {
    List<SpendRecord> records = new ArrayList<>(batch.size());
    for (Charged r : batch) {
      records.add(r.record());
    }
    SpendSql.insert(
        c,
        records,
        (tx, stored) -> {
          List<Charged> fresh = new ArrayList<>(batch.size());
          for (Charged r : batch) {
            if (!r.charges().isEmpty() && !stored.contains(r.record().requestId())) {
              fresh.add(r);
            }
          }
          if (!fresh.isEmpty()) {
            CounterSql.charge(tx, fresh, System.currentTimeMillis());
          }
        });
  }

  private void replayJournal() throws SQLException, IOException {
    long n =
        journal.replay(
            options.batchSize(),
            b -> {
              writeDurably(b);
              replayed.addAndGet(b.size());
            });
    if (n > 0) {
      LOG.debug("spend log: {} journaled records written", n);
    }
  }

  /** Replays the journal into a database that answers again, and leaves degraded mode. */
  private boolean recover() {
    try {
      long before = replayed.get();
      replayJournal();
      degraded = false;
      LOG.info(
          "spend log: database is back after {} s; {} journaled records written",
          Duration.ofNanos(System.nanoTime() - degradedSinceNanos).toSeconds(),
          replayed.get() - before);
      return true;
    } catch (SQLException | IOException e) {
      LOG.debug("spend log: database answers but the journal replay failed: {}", why(e));
      return false;
    }
  }

  private void enterDegraded(Exception e) {
    if (!degraded) {
      degradedSinceNanos = System.nanoTime();
      degraded = true;
      LOG.warn(
          "spend log: cannot write to the database ({}); spend records now go to {} and will be"
              + " written when it is back",
          why(e),
          journal.journalFile());
    }
  }

  /** Journals the batch; false (after one error line) when the disk refuses too. */
  private boolean journalBatch(List<Charged> batch) {
    try {
      journal.append(batch);
      journaled.addAndGet(batch.size());
      persisted.addAndGet(batch.size());
      return true;
    } catch (IOException e) {
      LOG.error(
          "spend log: cannot append to {} ({}); {} records stay in memory and are retried",
          journal.journalFile(),
          e.getMessage(),
          batch.size());
      return false;
    }
  }

  /** Moves records that did not fit in the queue to the journal. */
  private void spill() {
    List<Charged> batch = new ArrayList<>(options.batchSize());
    while (true) {
      Charged r;
      while (batch.size() < options.batchSize() && (r = overflow.poll()) != null) {
        batch.add(r);
      }
      if (batch.isEmpty()) {
        if (closing) {
          return;
        }
        LockSupport.parkNanos(this, options.poll().toNanos());
        continue;
      }
      overflowed.addAndGet(-batch.size());
      if (journalBatch(batch)) {
        batch.clear();
      } else {
        overflowed.addAndGet(batch.size());
        overflow.addAll(batch);
        batch.clear();
        if (closing) {
          return;
        }
        sleep(options.retryBackoff().toNanos());
      }
    }
  }

  /** After close: whatever is still in memory goes to the journal. */
  private synchronized void journalLeftovers() {
    List<Charged> left = new ArrayList<>();
    queue.drainTo(left);
    Charged r;
    while ((r = overflow.poll()) != null) {
      overflowed.decrementAndGet();
      left.add(r);
    }
    appendLastResort(left);
  }

  /** Journals records at close; if even that fails, logs each one whole so none is lost unseen. */
  private void appendLastResort(List<Charged> records) {
    if (records.isEmpty() || journalBatch(records)) {
      return;
    }
    for (Charged r : records) {
      LOG.error(
          "spend log: unsaved record {}",
          new String(ChargesJson.lines(List.of(r)), java.nio.charset.StandardCharsets.UTF_8)
              .strip());
    }
  }

  private static String why(Exception e) {
    return e instanceof SQLException s ? SpendSql.describe(s) : String.valueOf(e.getMessage());
  }

  private static void join(Thread t, Duration timeout) {
    try {
      t.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long nanos) {
    LockSupport.parkNanos(nanos);
  }
}
