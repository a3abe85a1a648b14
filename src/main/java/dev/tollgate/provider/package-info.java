/**
 * Calling upstream providers. {@link dev.tollgate.provider.Provider} is what the request path
 * calls; each sub-package serves one wire format and registers itself through a {@link
 * dev.tollgate.provider.ProviderFactory} listed in {@link dev.tollgate.provider.Providers}.
 */
@NullMarked
package dev.tollgate.provider;

import org.jspecify.annotations.NullMarked;
