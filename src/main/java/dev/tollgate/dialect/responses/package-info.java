/**
 * OpenAI's Responses API ({@code POST /v1/responses}) bridged through OpenAI chat: {@link
 * dev.tollgate.dialect.responses.ResponsesDialect} is the API; the request, answer and stream
 * translations behind it are package-private.
 */
@NullMarked
package dev.tollgate.dialect.responses;

import org.jspecify.annotations.NullMarked;
