/**
 * The client APIs Tollgate answers in: OpenAI's (chat, completions, embeddings), Anthropic's
 * Messages API and OpenAI's Responses API. A {@link dev.tollgate.dialect.Dialect} translates its
 * API to and from OpenAI chat, which every provider takes, so that one request path serves all of
 * them. Formats only: no routing, budgets or I/O here.
 */
@NullMarked
package dev.tollgate.dialect;

import org.jspecify.annotations.NullMarked;
