/** The management API, on LiteLLM's paths and with its field names. */
@NullMarked
package dev.tollgate.admin;

import org.jspecify.annotations.NullMarked;
