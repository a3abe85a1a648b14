package dev.tollgate.provider.vertex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.provider.InvalidParam;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VertexProviderFactoryTest {
  static Optional<InvalidParam> validate(String model, Map<String, Object> extra) {
    return new VertexProviderFactory()
        .validate(VertexWireTest.params(model, Optional.empty(), extra));
  }

  @Test
  void validate_claudeVersionAndDomainProject_accepted() {
    assertThat(
            validate(
                "claude-sonnet-4@20250514",
                Map.of("vertex_project", "example.com:proj", "vertex_location", "global")))
        .isEmpty();
  }

  @Test
  void validate_locationThatIsNoRegion_refused() {
    assertThat(validate("gemini-2.5-pro", Map.of("vertex_location", "us-east5.evil.com:1")))
        .map(InvalidParam::param)
        .contains("vertex_location");
  }

  @Test
  void validate_modelWithAPath_refused() {
    assertThat(validate("../gemini", Map.of())).map(InvalidParam::param).contains("model");
  }

  @Test
  void validate_credentialsOfAnotherKind_refused() {
    assertThat(validate("gemini-2.5-pro", Map.of("vertex_credentials", 42L)))
        .map(InvalidParam::param)
        .contains("vertex_credentials");
  }
}
