/**
 * Persistence: SQLite in the data dir by default, PostgreSQL when a database URL is given. {@link
 * dev.tollgate.store.Database} opens either, runs the Flyway migrations (one set for both) and
 * hands out the store-backed implementations of the domain packages' interfaces: the model store,
 * the spend log and the spend reports. No SQL lives outside this package.
 *
 * <p>The two databases share one package: their SQL is the same, and what differs (connection
 * settings, LISTEN/NOTIFY) is a few lines, so adapter sub-packages would only widen the public
 * surface.
 */
@NullMarked
package dev.tollgate.store;

import org.jspecify.annotations.NullMarked;
