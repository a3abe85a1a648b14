package dev.tollgate.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.budget.Estimate;
import dev.tollgate.budget.Outcome;
import dev.tollgate.cache.CacheControl;
import dev.tollgate.cache.CacheKey;
import dev.tollgate.cache.CachedAnswer;
import dev.tollgate.cache.ResponseCache;
import dev.tollgate.common.GatewayException;
import dev.tollgate.common.Json;
import dev.tollgate.config.CacheParams;
import dev.tollgate.pricing.Usage;
import dev.tollgate.routing.Deployment;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response cache on the request path, present only when {@code litellm_settings.cache} is on. A
 * request of OpenAI's chat, completions or embeddings API (the ones {@code supported_call_types}
 * names) is looked up after it is authenticated, its model access checked and its deployment
 * chosen, and before admission, as LiteLLM does: a hit is still admitted (valid key, budgets, rate
 * limits), reserving nothing, and is then answered from the cache as a request that used nothing (a
 * cost of 0); a miss goes upstream and its answer is kept. Runs on the event loop.
 */
final class Caching {
  private static final Logger LOG = LoggerFactory.getLogger(Caching.class);

  /** What a hit reserves: nothing. */
  static final Supplier<Estimate> NO_ESTIMATE = () -> Estimate.NONE;

  private final ResponseCache cache;
  private final Clock clock;

  Caching(ResponseCache cache, Clock clock) {
    this.cache = cache;
    this.clock = clock;
  }

  /** One request's part in the cache. Event-loop confined. */
  final class Lookup {
    /** The cache key, with its namespace: {@code x-litellm-cache-key}. */
    final String key;

    final CacheControl control;

    /** Whether the answer is a stream, kept apart from a JSON answer. */
    final boolean sse;

    /** The answer found; null on a miss. */
    @Nullable CachedAnswer hit;

    Lookup(String key, CacheControl control, boolean sse) {
      this.key = key;
      this.control = control;
      this.sse = sse;
    }

    /** {@code x-litellm-cache-key} and {@code x-tollgate-cache}. */
    void headers(HttpServerResponse r) {
      r.putHeader("x-litellm-cache-key", key);
      r.putHeader("x-tollgate-cache", hit != null ? "hit" : "miss");
    }

    /** A JSON answer went to the client: keeps it, unless it should not be. */
    void keep(int status, String contentType, byte[] body, Optional<Usage> usage) {
      if (status == 200) {
        store(new CachedAnswer(clock.millis(), false, contentType, body, usage));
      }
    }

    /** A stream ended well: keeps its events as relayed, when all of them were kept. */
    void keepStream(Exchange x, Optional<Usage> usage) {
      ClientSseSink sink = x.streamSink;
      if (sink == null || sink.relayed().droppedBytes() > 0 || sink.relayed().isEmpty()) {
        return;
      }
      Buffer all = Buffer.buffer((int) sink.relayed().keptBytes());
      sink.relayed().kept().forEach(all::appendBuffer);
      store(
          new CachedAnswer(
              clock.millis(), true, x.dialect.streamContentType(), all.getBytes(), usage));
    }

    private void store(CachedAnswer answer) {
      if (hit != null || control.noStore()) {
        return;
      }
      long ttl = control.ttlMillis().orElse(cache.params().ttlMillis());
      if (ttl > 0) {
        cache.put(ResponseCache.storageKey(key, sse), answer, ttl);
      }
    }
  }

  /**
   * Looks up {@code x}, whose body as received is {@code body}, then runs {@code go} (the first
   * attempt) once, with {@code x.cache} set when the request takes part in the cache. A request the
   * cache does not serve goes at once. A bad {@code cache} member throws a 400.
   */
  void lookup(Exchange x, byte[] body, Runnable go) {
    CacheParams params = cache.params();
    if (x.clientBody != null || !params.endpoints().contains(x.parsed().endpoint())) {
      go.run();
      return;
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw GatewayException.badRequest(null, "the request body is not JSON: " + e.getMessage());
    }
    CacheControl control =
        CacheControl.of(tree.get("cache"), x.request.getHeader(HttpHeaders.CACHE_CONTROL));
    if (params.defaultOff() && !control.useCache()) {
      go.run();
      return;
    }
    String hash =
        CacheKey.of(
            x.modelGroup, tree, params.perKey() ? Optional.of(x.keyHash) : Optional.empty());
    Optional<String> namespace = control.namespace().or(params::namespace);
    Lookup l = new Lookup(namespace.map(n -> n + ":" + hash).orElse(hash), control, x.stream);
    x.cache = l;
    if (control.noCache()) {
      go.run();
      return;
    }
    cache
        .get(ResponseCache.storageKey(l.key, l.sse))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result().isPresent()) {
                CachedAnswer a = ar.result().get();
                OptionalLong maxAge = control.maxAgeMillis();
                if (maxAge.isEmpty() || clock.millis() - a.storedAtMillis() <= maxAge.getAsLong()) {
                  l.hit = a;
                }
              } else if (ar.failed()) {
                LOG.atWarn()
                    .addKeyValue("request_id", x.requestId)
                    .log("response cache lookup failed; a miss: {}", ar.cause().toString());
              }
              go.run();
            });
  }

  /**
   * Answers an admitted request from its hit: records it as using nothing, with what it saved (the
   * kept usage at the admitted deployment's price), and replays the kept answer.
   */
  static void serve(Exchange x, CachedAnswer a, ProxyHandler handler) {
    Deployment d = Objects.requireNonNull(x.deployment, "deployment");
    OptionalLong saved =
        a.usage().isPresent()
            ? new Outcome.Reported(a.usage().get()).cost(d.price())
            : OptionalLong.empty();
    OptionalLong cost = x.finishHit(saved);
    HttpServerResponse r = x.request.response();
    if (r.closed() || r.ended()) {
      return;
    }
    handler.headers(r, x, cost);
    r.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, a.contentType());
    if (a.sse()) {
      r.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    }
    r.end(Buffer.buffer(a.body()));
  }
}
