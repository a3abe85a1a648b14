/**
 * Calling upstream providers. {@link dev.tollgate.provider.Provider} is what the request path
 * calls. {@link dev.tollgate.provider.UpstreamCall} is the HTTP transport every provider shares
 * (timeouts, cancellation, backpressure, transport failures); each sub-package implements one
 * {@link dev.tollgate.provider.WireFormat} and registers itself through a {@link
 * dev.tollgate.provider.ProviderFactory} listed in {@link dev.tollgate.provider.Providers}.
 */
@NullMarked
package dev.tollgate.provider;

import org.jspecify.annotations.NullMarked;
