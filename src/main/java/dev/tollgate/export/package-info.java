/** Spend records sent to systems outside the gateway, such as LiteLLM's {@code generic_api}. */
@NullMarked
package dev.tollgate.export;

import org.jspecify.annotations.NullMarked;
