/**
 * {@code tollgate import-litellm}: carries a LiteLLM deployment's database (keys by their hash,
 * users, teams and memberships, organizations, budgets, end users, tags, stored models, and spend)
 * into Tollgate's store. A command-line tool: everything here blocks and runs on the calling
 * thread.
 */
@NullMarked
package dev.tollgate.migrate;

import org.jspecify.annotations.NullMarked;
