/**
 * Anthropic's Messages API as an upstream ({@code anthropic/<model>} deployments): OpenAI chat
 * requests translated to Messages requests and their answers and streams back, and native Messages
 * requests passed through with only the model rewritten. The format only: {@link
 * dev.tollgate.provider.UpstreamCall} owns the transport.
 */
@NullMarked
package dev.tollgate.provider.anthropic;

import org.jspecify.annotations.NullMarked;
