package dev.tollgate.governance;

/**
 * Who is calling, once authenticated.
 *
 * @param keyHash SHA-256 of the presented key, hex; the key itself is never kept
 * @param admin whether the caller may use the management API
 */
public record Principal(String keyHash, boolean admin) {}
