package dev.tollgate.store;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.budget.SpendRecord;
import dev.tollgate.common.Json;
import dev.tollgate.common.PrivateFiles;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The spend log's files in the data dir: the append-only journal of records not yet in the
 * database, and the dead-letter file of records that can never be written there. Every append is
 * fsync'd before it returns. Thread-safe: appends and file moves are serialised on this object.
 *
 * <p>Replay moves the journal aside to {@value #REPLAYING} first, so appends carry on into a fresh
 * journal while the old one is written to the database; a replay cut short (by a crash or an
 * outage) is simply done again, which is safe because database writes are idempotent.
 */
final class SpendJournal {
  static final String JOURNAL = "spend-journal.jsonl";
  static final String REPLAYING = "spend-journal.replaying.jsonl";
  static final String DEAD_LETTER = "spend-dead-letter.jsonl";

  /** Writes a batch of records read back from the journal; throws when it must be tried later. */
  interface BatchWriter {
    void write(List<CounterSql.Charged> batch) throws SQLException, IOException;
  }

  private final Path dir;
  private final Path journal;
  private final Path replaying;
  private final Path deadLetter;

  /** Lines in the journal and the replaying file: records waiting for the database. */
  private final AtomicLong pending = new AtomicLong();

  SpendJournal(Path dir) throws IOException {
    this.dir = dir;
    this.journal = dir.resolve(JOURNAL);
    this.replaying = dir.resolve(REPLAYING);
    this.deadLetter = dir.resolve(DEAD_LETTER);
    PrivateFiles.directory(dir);
    endWithNewline(journal);
    pending.set(countLines(journal) + countLines(replaying));
  }

  Path journalFile() {
    return journal;
  }

  Path deadLetterFile() {
    return deadLetter;
  }

  /** Records in the journal that are not yet known to be in the database. */
  long pending() {
    return pending.get();
  }

  /** Appends the records and fsyncs the journal. */
  synchronized void append(List<CounterSql.Charged> records) throws IOException {
    if (records.isEmpty()) {
      return;
    }
    appendDurably(journal, ChargesJson.lines(records));
    pending.addAndGet(records.size());
  }

  /**
   * Writes every journaled record with {@code writer}, in batches, then removes them from the
   * journal. Lines that are not records (a line torn by a crash mid-append) go to the dead-letter
   * file. Returns the number of records written; throws, leaving the journal to be replayed again,
   * when {@code writer} does.
   */
  long replay(int batchSize, BatchWriter writer) throws SQLException, IOException {
    Path file;
    synchronized (this) {
      if (!Files.exists(replaying)) {
        if (!Files.exists(journal) || Files.size(journal) == 0) {
          pending.set(0);
          return 0;
        }
        Files.move(journal, replaying, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
      }
      file = replaying;
    }
    long lines = 0;
    long records = 0;
    List<CounterSql.Charged> batch = new ArrayList<>(batchSize);
    try (BufferedReader in = reader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        try {
          batch.add(ChargesJson.read(Json.MAPPER.readTree(line)));
        } catch (IOException | IllegalArgumentException e) {
          deadLetterRaw(line, "unreadable journal line: " + e.getMessage());
          continue;
        }
        if (batch.size() == batchSize) {
          writer.write(batch);
          records += batch.size();
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      writer.write(batch);
      records += batch.size();
    }
    synchronized (this) {
      Files.delete(file);
      syncDirectory();
      pending.addAndGet(-lines);
    }
    return records;
  }

  /** Appends a record that can never be written to the database, with the reason. */
  synchronized void deadLetter(SpendRecord r, String error) throws IOException {
    appendDurably(
        deadLetter,
        deadLetterLine(
            error,
            g -> {
              g.writeFieldName("record");
              SpendRecordJson.write(g, r);
            }));
  }

  /** Appends a journal line that could not be read as a record. */
  synchronized void deadLetterRaw(String line, String error) throws IOException {
    appendDurably(deadLetter, deadLetterLine(error, g -> g.writeStringField("raw", line)));
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] deadLetterLine(String error, Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(768);
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("failed_at", System.currentTimeMillis());
      g.writeStringField("error", error);
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private void appendDurably(Path file, byte[] bytes) throws IOException {
    boolean created = !Files.exists(file);
    try (FileChannel ch =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
            PrivateFiles.fileAttribute())) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    }
    if (created) {
      syncDirectory();
    }
  }

  /** Makes a file's creation, rename or removal durable, where the platform allows it. */
  private void syncDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not every platform can fsync a directory; the data itself was fsync'd
    }
  }

  /**
   * A crash mid-append can leave a torn last line; later appends must start on a line of their own.
   */
  private static void endWithNewline(Path file) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return;
    }
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.read(last, ch.size() - 1);
      if (last.get(0) != '\n') {
        ch.position(ch.size());
        ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
        ch.force(false);
      }
    }
  }

  private static long countLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    long n = 0;
    try (BufferedReader in = reader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          n++;
        }
      }
    }
    return n;
  }

  /** A reader that replaces malformed bytes (a torn last line) instead of failing. */
  private static BufferedReader reader(Path file) throws IOException {
    return new BufferedReader(
        new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
  }
}
