/** Who is calling: authentication of master and (later) virtual keys. */
@NullMarked
package dev.tollgate.governance;

import org.jspecify.annotations.NullMarked;
