package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.routing.ModelStore;
import dev.tollgate.routing.ModelStore.StoredModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcModelStoreIT {
  private static final String JSON =
      "{\"model_name\":\"gpt\",\"litellm_params\":{\"model\":\"openai/gpt-4o\","
          + "\"api_key\":\"os.environ/OPENAI_API_KEY\",\"input_cost_per_token\":0.0000025}}";

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void upsert_thenLoadAll_returnsExactJson(StoreKind kind) {
    try (Database db = kind.fresh().open()) {
      ModelStore store = db.models();
      store.upsert(new StoredModel("b", JSON, 2));
      store.upsert(new StoredModel("a", "{}", 1));

      assertThat(store.loadAll())
          .containsExactly(new StoredModel("a", "{}", 1), new StoredModel("b", JSON, 2));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void upsert_existingId_replacesJsonAndTime(StoreKind kind) {
    try (Database db = kind.fresh().open()) {
      ModelStore store = db.models();
      store.upsert(new StoredModel("a", "{}", 1));
      store.upsert(new StoredModel("a", JSON, 5));

      assertThat(store.loadAll()).containsExactly(new StoredModel("a", JSON, 5));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void delete_presentAndMissingIds_removesOnlyPresent(StoreKind kind) {
    try (Database db = kind.fresh().open()) {
      ModelStore store = db.models();
      store.upsert(new StoredModel("a", "{}", 1));
      store.upsert(new StoredModel("b", "{}", 1));

      store.delete("a");
      store.delete("missing");

      assertThat(store.loadAll()).containsExactly(new StoredModel("b", "{}", 1));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void loadAll_afterCloseAndReopen_restoresEveryModel(StoreKind kind) {
    StoreKind.Target t = kind.fresh();
    try (Database db = t.open()) {
      db.models().upsert(new StoredModel("a", JSON, 10));
      db.models().upsert(new StoredModel("b", "{\"x\":1}", 11));
      db.models().delete("b");
    }
    try (Database db = t.open()) {
      assertThat(db.models().loadAll()).containsExactly(new StoredModel("a", JSON, 10));
    }
  }
}
