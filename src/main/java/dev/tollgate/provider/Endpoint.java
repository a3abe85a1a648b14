package dev.tollgate.provider;

/**
 * The LLM APIs Tollgate serves. {@link #CHAT}, {@link #COMPLETIONS} and {@link #EMBEDDINGS} are
 * OpenAI's, and every provider takes them (translated where its format differs). {@link #MESSAGES}
 * (Anthropic's Messages API) and {@link #RESPONSES} (OpenAI's Responses API) reach a provider as
 * they are only when it speaks them natively ({@link WireFormat#serves}); otherwise the request is
 * bridged through {@link #CHAT}.
 */
public enum Endpoint {
  CHAT("/chat/completions", "messages"),
  COMPLETIONS("/completions", "prompt"),
  EMBEDDINGS("/embeddings", "input"),
  MESSAGES("/messages", "messages"),
  RESPONSES("/responses", "input");

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
