/** The price catalog, the three price states (unknown, free, priced), and exact cost from usage. */
@NullMarked
package dev.tollgate.pricing;

import org.jspecify.annotations.NullMarked;
