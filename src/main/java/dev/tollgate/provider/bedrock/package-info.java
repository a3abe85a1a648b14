/**
 * AWS Bedrock as an upstream ({@code bedrock/<model id>} deployments): OpenAI chat requests
 * translated to the Converse API and its answers and event streams back, Titan and Cohere
 * embeddings through {@code InvokeModel}, every call signed with SigV4 or sent with a Bedrock API
 * key. The format only: {@link dev.tollgate.provider.UpstreamCall} owns the transport.
 */
@NullMarked
package dev.tollgate.provider.bedrock;

import org.jspecify.annotations.NullMarked;
