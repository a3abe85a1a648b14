package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.store.ChangeNotifier.Topic;
import org.junit.jupiter.api.Test;

class ChangeNotifierTopicTest {
  @Test
  void fromPayload_topicAndId_thatTopic() {
    assertThat(Topic.fromPayload("governance:0b6c")).contains(Topic.GOVERNANCE);
    assertThat(Topic.fromPayload("models:0b6c")).contains(Topic.MODELS);
  }

  @Test
  void fromPayload_idAlone_modelsAsInstancesBeforeTopicsMeant() {
    assertThat(Topic.fromPayload("6f1d2c4e-8a7b-4c3d-9e0f-123456789abc")).contains(Topic.MODELS);
  }

  @Test
  void fromPayload_unknownTopic_empty() {
    assertThat(Topic.fromPayload("routes:0b6c")).isEmpty();
  }
}
