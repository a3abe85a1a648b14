package dev.tollgate.config;

/**
 * The config cannot be used. The message names the file, the path inside it (such as {@code
 * model_list[2].litellm_params.rpm}) and the problem, so start-up fails with something to act on.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String message;

  public ConfigException(String source, String path, String problem) {
    super(source + ": " + path + ": " + problem);
    this.path = path;
    this.message = source + ": " + path + ": " + problem;
  }

  @Override
  public String getMessage() {
    return message;
  }

  /** The path inside the config, such as {@code router_settings.num_retries}. */
  public String path() {
    return path;
  }
}
