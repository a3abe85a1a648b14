/** Shared primitives: the one error type and JSON helpers. */
@NullMarked
package dev.tollgate.common;

import org.jspecify.annotations.NullMarked;
