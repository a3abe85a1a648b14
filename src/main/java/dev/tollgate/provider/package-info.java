/** Provider wire formats, one sub-package each, behind {@link dev.tollgate.provider.Provider}. */
@NullMarked
package dev.tollgate.provider;

import org.jspecify.annotations.NullMarked;
