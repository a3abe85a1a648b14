package dev.tollgate.provider;

/**
 * The LLM APIs Tollgate serves. {@link #CHAT}, {@link #COMPLETIONS} and {@link #EMBEDDINGS} are
 * OpenAI's, and every provider takes them (translated where its format differs). {@link #MESSAGES}
 * (Anthropic's Messages API) and {@link #RESPONSES} (OpenAI's Responses API) reach a provider as
 * they are only when it speaks them natively ({@link WireFormat#serves}); otherwise the request is
 * bridged through {@link #CHAT}. {@link #GENERATE_CONTENT} (Gemini's {@code generateContent}) and
 * {@link #CONVERSE} (Bedrock's Converse) are the native calls of the {@code /gemini/}, {@code
 * /vertex_ai/} and {@code /bedrock/} routes: their model is named by the path, not the body, and
 * they reach only a provider that speaks them.
 */
public enum Endpoint {
  CHAT("/chat/completions", "messages"),
  COMPLETIONS("/completions", "prompt"),
  EMBEDDINGS("/embeddings", "input"),
  MESSAGES("/messages", "messages"),
  RESPONSES("/responses", "input"),
  GENERATE_CONTENT(":generateContent", "contents"),
  CONVERSE("/converse", "messages");

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

  /**
   * Whether a request names its model in the path rather than in the body: the body is sent as it
   * is, and never carries {@code model}.
   */
  public boolean modelInPath() {
    return this == GENERATE_CONTENT || this == CONVERSE;
  }

  /** The body field every request to this endpoint must carry besides {@code model}. */
  public String requiredField() {
    return requiredField;
  }
}
