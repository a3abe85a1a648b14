package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data dir holds the master key, the store and the spend journal, and is the owner's alone:
 * after a start, a request and a stop, every directory in it is {@code 0700} and every file {@code
 * 0600}, whatever the umask (the JVM's default leaves new files {@code 0644} here).
 */
class DataDirPermissionsIT {
  @Test
  void everyDirectoryIs0700_andEveryFile0600() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-perms");
    Path data = dir.resolve("data");
    try (TestGateway gw = TestGateway.start(null, Map.of(), dir)) {
      String key = Files.readString(data.resolve("master_key")).strip();
      HttpResponse<String> r =
          gw.send(
              HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                  .header("authorization", "Bearer " + key)
                  .header("content-type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                  .build());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(gw.post("/key/generate", "{}").statusCode()).isEqualTo(401);
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(data)) {
      all = s.toList();
    }
    assertThat(all).anyMatch(p -> p.getFileName().toString().endsWith(".db"));
    assertThat(all).anyMatch(p -> p.getFileName().toString().equals("master_key"));
    for (Path p : all) {
      String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
      assertThat(perms)
          .as(p.toString())
          .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
    }
  }
}
