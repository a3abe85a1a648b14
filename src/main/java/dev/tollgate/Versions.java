package dev.tollgate;

/** The versions {@code /health/readiness} reports. Constants; thread-safe. */
final class Versions {
  /**
   * The LiteLLM Proxy release whose management API and wire behaviour Tollgate claims to match, as
   * {@code litellm_version}: LiteLLM's clients and scripts read it to decide which fields and
   * routes to expect. Raise it only after checking the routes and fields that release changed.
   */
  static final String LITELLM = "1.96.0";

  /** This build's version from the jar's manifest; {@code dev} when run from the class files. */
  static final String TOLLGATE = tollgate();

  private Versions() {}

  private static String tollgate() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "dev" : v;
  }
}
