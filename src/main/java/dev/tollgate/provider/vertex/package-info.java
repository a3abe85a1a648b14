/**
 * Vertex AI as an upstream ({@code vertex_ai/<model>} deployments): Gemini models through {@code
 * generateContent} with the Gemini translation, and Claude models through {@code rawPredict} with
 * the Anthropic translation, authenticated with an access token from the deployment's Google
 * credentials. The format only: {@link dev.tollgate.provider.UpstreamCall} owns the transport.
 */
@NullMarked
package dev.tollgate.provider.vertex;

import org.jspecify.annotations.NullMarked;
