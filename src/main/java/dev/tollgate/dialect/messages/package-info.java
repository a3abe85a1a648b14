/**
 * Anthropic's Messages API ({@code POST /v1/messages}) bridged through OpenAI chat: {@link
 * dev.tollgate.dialect.messages.MessagesDialect} is the API; the request, answer, stream and error
 * translations behind it are package-private.
 */
@NullMarked
package dev.tollgate.dialect.messages;

import org.jspecify.annotations.NullMarked;
