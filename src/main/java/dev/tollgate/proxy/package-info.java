/** The LLM request path: parse, authenticate, route, forward, settle. */
@NullMarked
package dev.tollgate.proxy;

import org.jspecify.annotations.NullMarked;
