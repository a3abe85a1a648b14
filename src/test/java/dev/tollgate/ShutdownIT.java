package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.store.Database;
import dev.tollgate.store.SpendQueries;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a real gateway process under load: every request that got an answer has its spend
 * record in the store once the process has exited.
 */
class ShutdownIT {
  @Test
  void sigterm_underLoad_flushesEverySpendRecordBeforeExit() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-sigterm");
    Path data = dir.resolve("data");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.tollgate.Main",
                "--port",
                "0",
                "--data-dir",
                data.toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String base = null;
    List<String> lines = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      lines.add(line);
      if (line.startsWith("Tollgate ready on ")) {
        base = line.substring("Tollgate ready on ".length()).split(" ")[0];
        break;
      }
    }
    assertThat(base).as(String.join("\n", lines)).isNotNull();
    // Keep draining the output so the child never blocks on a full pipe.
    CompletableFuture.runAsync(() -> out.lines().forEach(l -> {}));
    String key = Files.readString(data.resolve(Gateway.MASTER_KEY_FILE)).strip();

    HttpClient http = HttpClient.newHttpClient();
    int answered = 0;
    String body = "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                  .header("Authorization", "Bearer " + key)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      answered++;
    }
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the gateway exits after SIGTERM").isTrue();

    try (Database db = Database.open(Optional.empty(), data)) {
      SpendQueries.Page page = db.spendQueries().spendLogs(SpendQueries.Filter.all(), 1, 10);
      assertThat(page.total()).isEqualTo(answered);
    }
  }
}
