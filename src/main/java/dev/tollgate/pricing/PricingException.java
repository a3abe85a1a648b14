package dev.tollgate.pricing;

/**
 * A price that cannot be used as given: a negative rate, a malformed catalog, or custom pricing
 * that would bill some tokens at nothing. The message names the field and says what was expected,
 * so configuration errors can be reported as they are.
 */
public class PricingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PricingException(String message) {
    super(message);
  }

  public PricingException(String message, Throwable cause) {
    super(message, cause);
  }
}
