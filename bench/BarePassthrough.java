import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;

/**
 * The least a Vert.x proxy can do: forward method, URI, body, content-type and authorization to
 * one upstream and pipe the response (status, content-type, body, streamed as it arrives) back.
 * Its throughput is the ceiling the gateway is measured against. One verticle per core, each with
 * its own pooled keep-alive client; runs on the event loop and never blocks.
 *
 * <p>The request body is read whole before forwarding, as the gateway must do to read the model.
 *
 * <p>By default the response is piped: every chunk the upstream sends becomes one write, and
 * one syscall, towards the client. With {@code --coalesce}, the chunks that arrive within one
 * event-loop turn are joined and written once at the end of that turn, which is what a proxy can
 * do for a burst of SSE events.
 *
 * <p>Run: {@code java -cp target/tollgate.jar bench/BarePassthrough.java --port 9200 --upstream
 * http://127.0.0.1:9100 [--host H] [--instances N] [--coalesce]}
 */
public final class BarePassthrough extends VerticleBase {

  private final String host;
  private final int port;
  private final URI upstream;
  private final boolean coalesce;
  private HttpClientAgent client;

  BarePassthrough(String host, int port, URI upstream, boolean coalesce) {
    this.host = host;
    this.port = port;
    this.upstream = upstream;
    this.coalesce = coalesce;
  }

  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = 9200;
    URI upstream = URI.create("http://127.0.0.1:9100");
    int instances = Runtime.getRuntime().availableProcessors();
    boolean coalesce = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--host" -> host = args[++i];
        case "--upstream" -> upstream = URI.create(args[++i]);
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        case "--coalesce" -> coalesce = true;
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    String h = host;
    int p = port;
    URI u = upstream;
    int n = instances;
    boolean c = coalesce;
    Vertx.vertx()
        .deployVerticle(
            () -> new BarePassthrough(h, p, u, c), new DeploymentOptions().setInstances(n))
        .onSuccess(
            id ->
                System.out.println(
                    "bare passthrough ready on " + h + ":" + p + " -> " + u
                        + (c ? " (coalescing writes)" : "")))
        .onFailure(
            e -> {
              System.err.println("bare passthrough failed to start: " + e);
              System.exit(1);
            });
  }

  @Override
  public Future<?> start() {
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setDefaultHost(upstream.getHost())
                .setDefaultPort(upstream.getPort()),
            new PoolOptions().setHttp1MaxSize(256));
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(this::forward)
        .listen();
  }

  private void forward(HttpServerRequest req) {
    RequestOptions options = new RequestOptions().setMethod(req.method()).setURI(req.uri());
    copy(req, options, HttpHeaders.CONTENT_TYPE);
    copy(req, options, HttpHeaders.AUTHORIZATION);
    req.body()
        .compose(body -> client.request(options).compose(up -> {
          // A client that goes away must not leave the upstream generating tokens.
          req.response().closeHandler(v -> up.reset());
          return up.send(body);
        }))
        .onSuccess(upResp -> {
          var resp = req.response().setStatusCode(upResp.statusCode());
          String type = upResp.getHeader(HttpHeaders.CONTENT_TYPE);
          if (type != null) {
            resp.putHeader(HttpHeaders.CONTENT_TYPE, type);
          }
          String length = upResp.getHeader(HttpHeaders.CONTENT_LENGTH);
          if (length != null) {
            resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
          } else {
            resp.setChunked(true);
          }
          if (coalesce) {
            coalesce(upResp, resp);
          } else {
            upResp.pipeTo(resp);
          }
        })
        .onFailure(e -> {
          if (!req.response().headWritten()) {
            req.response().setStatusCode(502).end();
          } else {
            req.response().reset();
          }
        });
  }

  /** Joins the chunks of one event-loop turn into one write, keeping back-pressure. */
  private void coalesce(HttpClientResponse from, HttpServerResponse to) {
    Buffer[] pending = {null};
    boolean[] ended = {false};
    from.handler(
        chunk -> {
          if (pending[0] == null) {
            pending[0] = Buffer.buffer(chunk.length() * 4);
            context.runOnContext(
                v -> {
                  Buffer out = pending[0];
                  pending[0] = null;
                  if (ended[0]) {
                    to.end(out);
                  } else {
                    to.write(out);
                    if (to.writeQueueFull()) {
                      from.pause();
                      to.drainHandler(d -> from.resume());
                    }
                  }
                });
          }
          pending[0].appendBuffer(chunk);
        });
    from.endHandler(
        v -> {
          if (pending[0] != null) {
            ended[0] = true;
          } else {
            to.end();
          }
        });
    from.exceptionHandler(e -> to.reset());
  }

  private static void copy(HttpServerRequest req, RequestOptions options, CharSequence name) {
    String value = req.getHeader(name);
    if (value != null) {
      options.putHeader(name, value);
    }
  }
}
