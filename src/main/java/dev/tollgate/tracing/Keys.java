package dev.tollgate.tracing;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/** The attribute keys Tollgate's spans carry: OpenTelemetry's semantic conventions and its own. */
final class Keys {
  private Keys() {}

  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  static final AttributeKey<String> RESPONSE_MODEL =
      AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<List<String>> FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read_input_tokens");
  static final AttributeKey<Long> CACHE_CREATION_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation_input_tokens");

  /**
   * Opt-in only ({@code turn_off_message_logging: false}): the prompt, as the conventions' JSON.
   */
  static final AttributeKey<String> INPUT_MESSAGES =
      AttributeKey.stringKey("gen_ai.input.messages");

  /** Opt-in only: the answer's text and tool calls, as the conventions' JSON. */
  static final AttributeKey<String> OUTPUT_MESSAGES =
      AttributeKey.stringKey("gen_ai.output.messages");

  static final AttributeKey<Long> ERROR_STATUS = AttributeKey.longKey("tollgate.error_status");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("tollgate.request_id");
  static final AttributeKey<String> COST = AttributeKey.stringKey("tollgate.cost_usd");
  static final AttributeKey<String> PRICE_STATE = AttributeKey.stringKey("tollgate.price_state");
  static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("tollgate.deployment_id");
  static final AttributeKey<String> MODEL_GROUP = AttributeKey.stringKey("tollgate.model_group");
  static final AttributeKey<String> DECISION =
      AttributeKey.stringKey("tollgate.admission.decision");
  static final AttributeKey<String> LEVEL = AttributeKey.stringKey("tollgate.admission.level");
  static final AttributeKey<String> CODE = AttributeKey.stringKey("tollgate.admission.code");
}
