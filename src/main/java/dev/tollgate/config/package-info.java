/** The config file (LiteLLM format) into immutable snapshots. */
@NullMarked
package dev.tollgate.config;

import org.jspecify.annotations.NullMarked;
