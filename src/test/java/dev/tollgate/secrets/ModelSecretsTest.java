package dev.tollgate.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import dev.tollgate.routing.ModelStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelSecretsTest {
  static final SecretCipher ONE = SecretCipher.of("salt-one");
  static final SecretCipher TWO = SecretCipher.of("salt-two");

  static ObjectNode body() throws Exception {
    return (ObjectNode)
        Json.MAPPER.readTree(
            """
            {"model_name": "m", "model_info": {"id": "m-1"},
             "litellm_params": {"model": "openai/x", "api_base": "http://h",
               "api_key": "sk-secret", "aws_session_token": "os.environ/TOKEN",
               "vertex_credentials": {"type": "service_account", "private_key": "pk"},
               "extra_headers": {"X-Api-Token": "hdr-secret"}}}
            """);
  }

  @Test
  void seal_thenOpen_givesTheBodyBack() throws Exception {
    ObjectNode plain = body();
    ObjectNode sealed = ModelSecrets.seal(plain, ONE);
    String text = sealed.toString();
    assertThat(text).doesNotContain("sk-secret", "hdr-secret", "\"pk\"").contains("http://h");
    assertThat(sealed.at("/litellm_params/aws_session_token").asText())
        .isEqualTo("os.environ/TOKEN");
    assertThat(ModelSecrets.plaintext(sealed)).isEmpty();
    assertThat(ModelSecrets.open(sealed, Optional.of(ONE))).isEqualTo(plain);
    assertThat(plain).isEqualTo(body());
  }

  @Test
  void plaintext_listsLiteralSecretsOnly() throws Exception {
    assertThat(ModelSecrets.plaintext(body()))
        .containsExactlyInAnyOrder(
            "litellm_params.api_key",
            "litellm_params.vertex_credentials",
            "litellm_params.extra_headers.X-Api-Token");
  }

  @Test
  void open_wrongKeyOrNoKey_namesTheField() throws Exception {
    ObjectNode sealed = ModelSecrets.seal(body(), ONE);
    assertThatThrownBy(() -> ModelSecrets.open(sealed, Optional.of(TWO)))
        .isInstanceOf(SecretException.class)
        .hasMessageContaining("litellm_params.")
        .hasMessageContaining("another salt key");
    assertThatThrownBy(() -> ModelSecrets.open(sealed, Optional.empty()))
        .hasMessageContaining("TOLLGATE_SALT_KEY");
  }

  @Test
  void open_plaintextRow_readsAsIs() throws Exception {
    assertThat(ModelSecrets.open(body(), Optional.empty())).isEqualTo(body());
  }

  @Test
  void rotate_oldToNew_isIdempotent() throws Exception {
    MapStore store = new MapStore();
    store.upsert(new ModelStore.StoredModel("a", ModelSecrets.seal(body(), ONE).toString(), 1));
    store.upsert(new ModelStore.StoredModel("b", body().toString(), 1));
    ModelSecrets.Rotation r = ModelSecrets.rotate(store, Optional.of(ONE), TWO, 2);
    assertThat(r.rewritten()).isEqualTo(2);
    assertThat(r.failures()).isEmpty();
    for (ModelStore.StoredModel m : store.loadAll()) {
      ObjectNode n = (ObjectNode) Json.MAPPER.readTree(m.json());
      assertThat(ModelSecrets.open(n, Optional.of(TWO))).isEqualTo(body());
      assertThat(m.json()).doesNotContain("sk-secret");
    }
    Map<String, String> before = store.rows();
    ModelSecrets.Rotation again = ModelSecrets.rotate(store, Optional.of(ONE), TWO, 3);
    assertThat(again.rewritten()).isZero();
    assertThat(store.rows()).isEqualTo(before);
  }

  @Test
  void rotate_thirdKey_reportsAndLeavesTheRow() throws Exception {
    MapStore store = new MapStore();
    String third = ModelSecrets.seal(body(), SecretCipher.of("salt-three")).toString();
    store.upsert(new ModelStore.StoredModel("c", third, 1));
    ModelSecrets.Rotation r = ModelSecrets.rotate(store, Optional.of(ONE), TWO, 2);
    assertThat(r.failures()).singleElement().asString().contains("'m'", "id c");
    assertThat(store.rows()).containsEntry("c", third);
  }

  static final class MapStore implements ModelStore {
    private final Map<String, StoredModel> rows = new LinkedHashMap<>();

    @Override
    public List<StoredModel> loadAll() {
      return new ArrayList<>(rows.values());
    }

    @Override
    public void upsert(StoredModel model) {
      rows.put(model.id(), model);
    }

    @Override
    public void delete(String id) {
      rows.remove(id);
    }

    Map<String, String> rows() {
      Map<String, String> out = new LinkedHashMap<>();
      rows.forEach((k, v) -> out.put(k, v.json()));
      return out;
    }
  }
}
