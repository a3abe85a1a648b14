package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.FakeOpenAi;
import dev.tollgate.testing.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Unauthenticated and idle clients cannot exhaust the gateway: thousands of idle and slow-header
 * connections leave health and chat answering and are closed by their timeouts; a keyless caller's
 * body is never read; the process's budget for bodies being read answers 503 when spent and is
 * given back when their senders leave; and at the connection limit an idle connection makes room.
 */
class ConnectionLimitsIT {
  final FakeOpenAi upstream = new FakeOpenAi();
  final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void close() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // already gone
      }
    }
    upstream.close();
  }

  TestGateway start(String general) {
    return TestGateway.start(
        """
        model_list:
          - model_name: m
            litellm_params: {model: openai/gpt-x, api_base: %s,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
        general_settings:
        %s
        """
            .formatted(upstream.apiBase(), general));
  }

  Socket open(TestGateway gw) throws IOException {
    Socket s = new Socket("127.0.0.1", gw.gateway().port());
    s.setSoTimeout(30_000);
    sockets.add(s);
    return s;
  }

  static void write(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Waits until the gateway closes {@code s} (end of stream), reading and dropping any answer. */
  static String awaitClosed(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder got = new StringBuilder();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (java.net.SocketException reset) {
      // closed with a reset: closed all the same
    }
    return got.toString();
  }

  static HttpResponse<String> chat(TestGateway gw) {
    return gw.send(
        HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + TestGateway.MASTER_KEY)
            .header("Content-Type", "application/json")
            .timeout(java.time.Duration.ofSeconds(30))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build());
  }

  @Test
  void twoThousandIdleAndTwoHundredSlowHeaderConnections_healthAndChatStillAnswer_andTheyAreClosed()
      throws Exception {
    try (TestGateway gw = start("  header_timeout_seconds: 2\n  idle_timeout_seconds: 2\n")) {
      List<Socket> idle = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        idle.add(open(gw));
      }
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Socket s = open(gw);
        write(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
        slow.add(s);
      }

      assertThat(gw.get("/health/liveliness").statusCode()).isEqualTo(200);
      assertThat(chat(gw).statusCode()).isEqualTo(200);

      for (Socket s : slow) {
        awaitClosed(s);
      }
      for (Socket s : idle) {
        awaitClosed(s);
      }
      assertThat(chat(gw).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aKeylessCallersBody_isNeverRead_401AndTheConnectionClosed() throws Exception {
    try (TestGateway gw = start("  max_request_size_mb: 64\n")) {
      for (int i = 0; i < 20; i++) {
        Socket s = open(gw);
        write(
            s,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + (30 * 1024 * 1024)
                + "\r\n\r\n{\"model\":\"m\",\"messages\":[");
        String answer = awaitClosed(s);
        assertThat(answer).startsWith("HTTP/1.1 401").contains("authentication_error");
      }
      assertThat(gw.gateway().connectionLimits().buffered()).isZero();
      assertThat(chat(gw).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void bodiesBeingReadPassTheBudget_503WithRetryAfter_andTheBudgetComesBackWhenTheyLeave()
      throws Exception {
    try (TestGateway gw = start("  max_request_size_mb: 1\n  max_buffered_request_mb: 1\n")) {
      List<Socket> senders = new ArrayList<>();
      String head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + TestGateway.MASTER_KEY
              + "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
      for (int i = 0; i < 2; i++) {
        Socket s = open(gw);
        write(s, head + "x".repeat(450_000));
        senders.add(s);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (gw.gateway().connectionLimits().buffered() < 900_000) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(10);
      }
      Socket third = open(gw);
      write(third, head);
      try {
        write(third, "x".repeat(300_000));
      } catch (java.net.SocketException e) {
        // The gateway may answer and close before the whole body is sent: that is the refusal.
      }
      String answer = awaitClosed(third);
      assertThat(answer)
          .startsWith("HTTP/1.1 503")
          .contains("retry-after")
          .contains("too_many_buffered_requests");

      for (Socket s : senders) {
        s.close();
      }
      while (gw.gateway().connectionLimits().buffered() != 0) {
        assertThat(System.nanoTime()).as("the budget given back").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(chat(gw).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aBodyThatStalls_isClosedAfterTheBodyTimeout() throws Exception {
    try (TestGateway gw = start("  body_timeout_seconds: 1\n")) {
      Socket s = open(gw);
      write(
          s,
          "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + TestGateway.MASTER_KEY
              + "\r\nContent-Length: 1000\r\n\r\n{\"model\":");
      awaitClosed(s);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (gw.gateway().connectionLimits().buffered() != 0) {
        assertThat(System.nanoTime()).as("the share given back").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(chat(gw).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void atTheConnectionLimit_anIdleConnectionMakesRoomForANewClient() throws Exception {
    try (TestGateway gw = start("  max_connections: 50\n")) {
      List<Socket> idle = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        idle.add(open(gw));
      }
      assertThat(chat(gw).statusCode()).isEqualTo(200);
      assertThat(gw.gateway().connectionLimits().openConnections()).isLessThanOrEqualTo(50);
      int closed = 0;
      for (Socket s : idle) {
        s.setSoTimeout(200);
        try {
          if (s.getInputStream().read() < 0) {
            closed++;
          }
        } catch (SocketTimeoutException stillOpen) {
          // kept
        } catch (java.net.SocketException reset) {
          closed++;
        }
      }
      assertThat(closed).isGreaterThanOrEqualTo(50);
    }
  }
}
