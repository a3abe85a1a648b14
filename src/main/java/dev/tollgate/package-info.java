/** Tollgate: an OpenAI-compatible LLM gateway. */
@NullMarked
package dev.tollgate;

import org.jspecify.annotations.NullMarked;
