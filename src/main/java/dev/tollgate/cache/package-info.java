/**
 * LiteLLM's response cache: the cache key of a request ({@link CacheKey}), its per-request controls
 * ({@link CacheControl}), the answers kept ({@link CachedAnswer}) and where they are kept ({@link
 * ResponseCache}: this process, or the gateway's Redis).
 */
@NullMarked
package dev.tollgate.cache;

import org.jspecify.annotations.NullMarked;
