/**
 * Log output: slf4j-simple's text lines, or one JSON object per line when {@code JSON_LOGS} or
 * {@code general_settings.json_logs} asks for it. Levels stay slf4j-simple's.
 */
@NullMarked
package dev.tollgate.logging;

import org.jspecify.annotations.NullMarked;
