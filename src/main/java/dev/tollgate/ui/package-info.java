/**
 * The web UI at {@code /ui}: server-rendered pages (JTE templates compiled at build time) over the
 * same services as the management API, behind a signed session cookie and CSRF tokens.
 */
@NullMarked
package dev.tollgate.ui;

import org.jspecify.annotations.NullMarked;
