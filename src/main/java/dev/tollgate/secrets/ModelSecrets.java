package dev.tollgate.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.common.Json;
import dev.tollgate.routing.ModelStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which values of a stored model body ({@code model_name}, {@code litellm_params}, {@code
 * model_info}) are secrets, and sealing and opening them with a {@link SecretCipher}. A secret is a
 * {@code litellm_params} credential field ({@link #FIELDS}) or any value of {@code headers} /
 * {@code extra_headers}. {@code os.environ/} references are not secrets and stay as they are. A
 * credential that is not a string (LiteLLM accepts {@code vertex_credentials} as an object) is
 * sealed as its JSON text inside {@code {"tollgate_sealed_json": "tollgate:v1:..."}}. Every method
 * returns a copy and leaves its input alone.
 */
public final class ModelSecrets {
  /** {@code litellm_params} fields whose value is a credential. */
  public static final Set<String> FIELDS =
      Set.of(
          "api_key",
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "vertex_credentials",
          "azure_ad_token",
          "client_secret");

  /** {@code litellm_params} fields whose every value is a credential. */
  public static final Set<String> HEADER_FIELDS = Set.of("headers", "extra_headers");

  private static final String SEALED_JSON = "tollgate_sealed_json";
  private static final String ENV_REFERENCE = "os.environ/";

  private ModelSecrets() {}

  /** Whether {@code litellm_params.<name>} is, or holds, a credential. */
  public static boolean isSecret(String name) {
    return FIELDS.contains(name) || HEADER_FIELDS.contains(name);
  }

  /** The paths ({@code litellm_params.api_key}, ...) of the literal secrets not yet sealed. */
  public static List<String> plaintext(ObjectNode body) {
    List<String> out = new ArrayList<>();
    visit(
        body.deepCopy(),
        (path, v) -> {
          if (isLiteral(v) && !isSealedValue(v)) {
            out.add(path);
          }
          return v;
        });
    return List.copyOf(out);
  }

  /** A copy with every literal secret sealed by {@code cipher}; sealed values stay as they are. */
  public static ObjectNode seal(ObjectNode body, SecretCipher cipher) {
    ObjectNode copy = body.deepCopy();
    visit(copy, (path, v) -> sealValue(v, cipher));
    return copy;
  }

  /**
   * A copy with every sealed value opened.
   *
   * @throws SecretException naming the field, if a value is sealed and there is no key, or it was
   *     sealed under another key, or it fails authentication
   */
  public static ObjectNode open(ObjectNode body, Optional<SecretCipher> cipher) {
    ObjectNode copy = body.deepCopy();
    visit(
        copy,
        (path, v) -> {
          try {
            return openValue(v, cipher);
          } catch (SecretException e) {
            throw new SecretException(path + ": " + e.getMessage());
          }
        });
    return copy;
  }

  /** What {@link #rotate} did. */
  public record Rotation(int models, int rewritten, List<String> failures) {}

  /**
   * Re-seals every stored secret under {@code current}: values under {@code old} are opened with
   * it, plaintext ones are sealed, values already under {@code current} are left alone, so running
   * it twice changes nothing the second time. A model that cannot be opened (a third key, or
   * tampered) is left unchanged and listed in the failures. Blocking: it reads and writes the
   * store.
   */
  public static Rotation rotate(
      ModelStore store, Optional<SecretCipher> old, SecretCipher current, long nowMillis) {
    int rewritten = 0;
    List<String> failures = new ArrayList<>();
    List<ModelStore.StoredModel> rows = store.loadAll();
    for (ModelStore.StoredModel row : rows) {
      ObjectNode body;
      try {
        body = (ObjectNode) Json.MAPPER.readTree(row.json().getBytes(StandardCharsets.UTF_8));
      } catch (java.io.IOException | ClassCastException e) {
        failures.add("model " + row.id() + ": the stored body is not a JSON object");
        continue;
      }
      boolean[] changed = {false};
      ObjectNode next = body.deepCopy();
      try {
        visit(
            next,
            (path, v) -> {
              if (!isLiteral(v) || sealedBy(v, current)) {
                return v;
              }
              changed[0] = true;
              JsonNode plain;
              try {
                plain = isSealedValue(v) ? openValue(v, old) : v;
              } catch (SecretException e) {
                throw new SecretException(path + ": " + e.getMessage());
              }
              return sealValue(plain, current);
            });
      } catch (SecretException e) {
        failures.add(describe(row.id(), body) + ": " + e.getMessage());
        continue;
      }
      if (changed[0]) {
        store.upsert(new ModelStore.StoredModel(row.id(), next.toString(), nowMillis));
        rewritten++;
      }
    }
    return new Rotation(rows.size(), rewritten, List.copyOf(failures));
  }

  /**
   * A copy of {@code body} with every literal credential, sealed or not, replaced by {@code
   * [redacted]}: for the audit log and anything else a person reads. {@code os.environ/} references
   * stay, since they name a variable and hold no secret.
   */
  public static ObjectNode redacted(ObjectNode body) {
    ObjectNode copy = body.deepCopy();
    visit(copy, (path, v) -> isLiteral(v) ? TextNode.valueOf("[redacted]") : v);
    return copy;
  }

  /** "model 'name' (id x)", for messages. */
  public static String describe(String id, ObjectNode body) {
    return "model '" + body.path("model_name").asText("?") + "' (id " + id + ")";
  }

  private interface Visitor {
    JsonNode apply(String path, JsonNode value);
  }

  private static void visit(ObjectNode body, Visitor visitor) {
    if (!(body.get("litellm_params") instanceof ObjectNode params)) {
      return;
    }
    List<String> names = new ArrayList<>();
    params.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode v = params.get(name);
      String path = "litellm_params." + name;
      if (FIELDS.contains(name)) {
        params.set(name, visitor.apply(path, v));
      } else if (HEADER_FIELDS.contains(name) && v instanceof ObjectNode headers) {
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
          keys.add(it.next().getKey());
        }
        for (String k : keys) {
          headers.set(k, visitor.apply(path + "." + k, headers.get(k)));
        }
      }
    }
  }

  /** A value that is a credential itself: not null, not an {@code os.environ/} reference. */
  private static boolean isLiteral(JsonNode v) {
    if (v.isNull() || v.isMissingNode()) {
      return false;
    }
    return !(v.isTextual() && v.asText().startsWith(ENV_REFERENCE));
  }

  private static boolean isSealedJson(JsonNode v) {
    return v instanceof ObjectNode o
        && o.size() == 1
        && o.get(SEALED_JSON) instanceof TextNode t
        && SecretCipher.isSealed(t.asText());
  }

  private static boolean isSealedValue(JsonNode v) {
    return (v.isTextual() && SecretCipher.isSealed(v.asText())) || isSealedJson(v);
  }

  private static boolean sealedBy(JsonNode v, SecretCipher c) {
    if (v.isTextual()) {
      return c.sealedByThisKey(v.asText());
    }
    return isSealedJson(v) && c.sealedByThisKey(v.get(SEALED_JSON).asText());
  }

  private static JsonNode sealValue(JsonNode v, SecretCipher c) {
    if (!isLiteral(v) || isSealedValue(v)) {
      return v;
    }
    if (v.isTextual()) {
      return TextNode.valueOf(c.seal(v.asText()));
    }
    ObjectNode wrapped = Json.MAPPER.createObjectNode();
    wrapped.put(SEALED_JSON, c.seal(v.toString()));
    return wrapped;
  }

  private static JsonNode openValue(JsonNode v, Optional<SecretCipher> c) {
    if (!isSealedValue(v)) {
      return v;
    }
    if (c.isEmpty()) {
      throw new SecretException(
          "the value is encrypted, and neither "
              + SecretCipher.ENV
              + " nor "
              + SecretCipher.LITELLM_ENV
              + " is set");
    }
    if (v.isTextual()) {
      return TextNode.valueOf(c.get().open(v.asText()));
    }
    String text = c.get().open(v.get(SEALED_JSON).asText());
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SecretException("the sealed JSON value does not parse");
    }
  }
}
