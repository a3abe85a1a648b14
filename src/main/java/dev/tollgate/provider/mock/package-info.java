/** The in-process, deterministic mock provider used by the demo and by tests. */
@NullMarked
package dev.tollgate.provider.mock;

import org.jspecify.annotations.NullMarked;
