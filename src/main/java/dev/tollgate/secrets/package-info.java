/**
 * Secrets at rest: the salt-key cipher, and which fields of a stored model body it seals. Pure and
 * thread-safe; nothing here blocks except {@link ModelSecrets#rotate}, which reads and writes the
 * store.
 */
@NullMarked
package dev.tollgate.secrets;

import org.jspecify.annotations.NullMarked;
