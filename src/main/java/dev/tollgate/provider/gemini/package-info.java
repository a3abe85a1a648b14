/**
 * Google's Gemini API as an upstream ({@code gemini/<model>} deployments): OpenAI chat requests
 * translated to {@code generateContent} requests and their answers and streams back, and OpenAI
 * embeddings requests to {@code batchEmbedContents}. {@link
 * dev.tollgate.provider.gemini.GeminiTranslation} lends the same translation to Vertex AI. The
 * format only: {@link dev.tollgate.provider.UpstreamCall} owns the transport.
 */
@NullMarked
package dev.tollgate.provider.gemini;

import org.jspecify.annotations.NullMarked;
