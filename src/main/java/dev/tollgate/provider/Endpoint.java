package dev.tollgate.provider;

/** The OpenAI-compatible LLM endpoints Tollgate serves. */
public enum Endpoint {
  CHAT("/chat/completions", "messages"),
  COMPLETIONS("/completions", "prompt"),
  EMBEDDINGS("/embeddings", "input");

  private final String path;
  private final String requiredField;

  Endpoint(String path, String requiredField) {
    this.path = path;
    this.requiredField = requiredField;
  }

  /** The path under the API base, such as {@code /chat/completions}. */
  public String path() {
    return path;
  }

  /** The body field every request to this endpoint must carry besides {@code model}. */
  public String requiredField() {
    return requiredField;
  }
}
