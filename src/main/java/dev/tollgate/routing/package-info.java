/** Model groups, the registry snapshot and deployment selection. */
@NullMarked
package dev.tollgate.routing;

import org.jspecify.annotations.NullMarked;
