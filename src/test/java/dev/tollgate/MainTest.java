package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void help_printsUsageAndExitsZero() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--config FILE")
        .contains("--port N")
        .contains("--host ADDR")
        .contains("--data-dir DIR");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--port|--port needs a value",
        "--port abc|--port must be a number",
        "--port 70000|--port must be a number from 0 to 65535",
        "--bogus|unknown argument '--bogus'",
        "--config|--config needs a value",
        "--data-dir --port|--data-dir needs a value"
      })
  void badArgument_exitsNonZeroNamingIt(String args, String message) {
    Run r = run(args.split(" "));
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains(message);
  }

  @Test
  void invalidConfig_exitsNonZeroNamingFileAndPath() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tollgate-main");
    java.nio.file.Path cfg = dir.resolve("bad.yaml");
    java.nio.file.Files.writeString(
        cfg, "model_list: [{model_name: m, litellm_params: {model: openai/x, rpm: lots}}]\n");
    Run r =
        run("--config", cfg.toString(), "--data-dir", dir.resolve("d").toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(cfg.toString())
        .contains("model_list[0].litellm_params.rpm")
        .contains("must be a number");
  }

  @Test
  void parse_equalsForm_isAccepted() throws Exception {
    GatewayOptions o =
        java.util.Objects.requireNonNull(
            Main.parse(new String[] {"--port=5000", "--host=0.0.0.0", "--data-dir=/tmp/x"}));
    assertThat(o.port()).isEqualTo(5000);
    assertThat(o.host()).isEqualTo("0.0.0.0");
    assertThat(o.dataDir()).hasToString("/tmp/x");
  }

  @org.junit.jupiter.api.Test
  void logLevel_tollgateThenLitellm_inSlf4jWords() {
    assertThat(Main.logLevel(null, null)).isEmpty();
    assertThat(Main.logLevel(null, "DEBUG")).contains("debug");
    assertThat(Main.logLevel("error", "DEBUG")).contains("error");
    assertThat(Main.logLevel("", "WARNING")).contains("warn");
    assertThat(Main.logLevel(null, "CRITICAL")).contains("error");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Main.logLevel("loud", null))
        .hasMessageContaining("loud");
  }
}
