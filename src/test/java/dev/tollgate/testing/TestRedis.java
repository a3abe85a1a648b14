package dev.tollgate.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;

/**
 * Redis for tests: the server named by {@code TOLLGATE_TEST_REDIS_URL}, or else an embedded
 * redis-server on a free loopback port, without automatic persistence, so that {@link #stop()} then
 * {@link #start()} is a restart that loses every key; {@link #snapshot()} and {@link
 * #restartFrom(Path)} restore an older RDB snapshot instead. Only an embedded server can be
 * stopped. Also a tiny blocking client ({@link #command}) for assertions; call it from test threads
 * only.
 */
public final class TestRedis implements AutoCloseable {
  public static final String ENV = "TOLLGATE_TEST_REDIS_URL";

  private final String host;
  private final int port;
  private final @Nullable String password;
  private final @Nullable RedisServer server;

  /** The embedded server's dir, where {@code SAVE} writes {@value #DUMP} and a start reads it. */
  private final @Nullable Path dir;

  static final String DUMP = "dump.rdb";

  private TestRedis(
      String host, int port, @Nullable String password, @Nullable RedisServer s, @Nullable Path d) {
    this.host = host;
    this.port = port;
    this.password = password;
    this.server = s;
    this.dir = d;
  }

  /** A started Redis: the external one if configured, else a new embedded one. */
  public static TestRedis start() {
    Optional<String> url = Optional.ofNullable(System.getenv(ENV)).filter(s -> !s.isBlank());
    if (url.isPresent()) {
      URI u = URI.create(url.get());
      String info = u.getUserInfo();
      String pw = info == null ? null : info.substring(info.indexOf(':') + 1);
      return new TestRedis(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort(), pw, null, null);
    }
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Path dir = Files.createTempDirectory("tollgate-redis");
      RedisServer s =
          RedisServer.newRedisServer()
              .port(port)
              .bind("127.0.0.1")
              .setting("save \"\"")
              .setting("appendonly no")
              .setting("dir " + dir)
              .setting("dbfilename " + DUMP)
              .build();
      s.start();
      return new TestRedis("127.0.0.1", port, null, s, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start an embedded redis-server", e);
    }
  }

  public String url() {
    return "redis://" + (password == null ? "" : ":" + password + "@") + host + ":" + port;
  }

  /** Whether {@link #stop()} and {@link #restart()} work: only for the embedded server. */
  public boolean canRestart() {
    return server != null;
  }

  /** Stops the embedded server, and returns once it refuses connections; its data is gone. */
  public void stop() {
    try {
      embedded().stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Socket s = new Socket(host, port)) {
        // still accepting: the process has not gone yet
      } catch (IOException refused) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis on port " + port + " still accepts after stop");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Starts the embedded server again on the same port, empty. */
  public void restart() {
    try {
      if (dir != null) {
        Files.deleteIfExists(dir.resolve(DUMP));
      }
      embedded().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves an RDB snapshot of the embedded server now and returns a copy of it. */
  public Path snapshot() {
    Path d = dirOfEmbedded();
    command("SAVE");
    try {
      Path copy = Files.createTempFile(d.getParent(), "tollgate-redis-snapshot", ".rdb");
      Files.copy(d.resolve(DUMP), copy, StandardCopyOption.REPLACE_EXISTING);
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the embedded server, puts {@code snapshot} back as its dump file and starts it again: a
   * Redis restored from an older snapshot, without what was written since.
   */
  public void restartFrom(Path snapshot) {
    Path d = dirOfEmbedded();
    stop();
    try {
      Files.copy(snapshot, d.resolve(DUMP), StandardCopyOption.REPLACE_EXISTING);
      embedded().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path dirOfEmbedded() {
    embedded();
    if (dir == null) {
      throw new IllegalStateException("the embedded redis has no dir");
    }
    return dir;
  }

  public void flushAll() {
    command("FLUSHALL");
  }

  /**
   * Runs one command on a new connection and returns its reply: a String (simple or bulk), a Long,
   * null, or a List of those. A Redis error reply throws {@link IllegalStateException}.
   */
  public @Nullable Object command(String... args) {
    try (Socket s = new Socket(host, port)) {
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      if (password != null) {
        write(out, "AUTH", password);
        read(in);
      }
      write(out, args);
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (server != null && server.isActive()) {
      stop();
    }
  }

  private RedisServer embedded() {
    if (server == null) {
      throw new IllegalStateException("an external redis (" + ENV + ") cannot be restarted");
    }
    return server;
  }

  private static void write(OutputStream out, String... args) throws IOException {
    StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
    }
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static @Nullable Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    return switch (type) {
      case '+' -> line;
      case '-' -> throw new IllegalStateException(line);
      case ':' -> Long.parseLong(line);
      case '$' -> {
        int n = Integer.parseInt(line);
        if (n < 0) {
          yield null;
        }
        byte[] bytes = in.readNBytes(n + 2);
        yield new String(bytes, 0, n, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int n = Integer.parseInt(line);
        List<@Nullable Object> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          items.add(read(in));
        }
        yield items;
      }
      default -> throw new IOException("unexpected redis reply type " + type);
    };
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) {
        throw new IOException("redis closed the connection");
      }
      b.append((char) c);
    }
    in.read();
    return b.toString();
  }
}
