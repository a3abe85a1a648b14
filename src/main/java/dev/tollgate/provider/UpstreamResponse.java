package dev.tollgate.provider;

import dev.tollgate.pricing.Usage;
import java.util.Optional;

/**
 * A complete, successful non-streaming response, already in OpenAI's format.
 *
 * @param usage what the provider reported; empty when it reported nothing
 */
public record UpstreamResponse(
    int status, String contentType, byte[] body, Optional<Usage> usage) {}
