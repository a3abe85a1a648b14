package dev.tollgate.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GenericApiExportTest {
  @Test
  void parseHeaders_pairsOrJson_andRefusesWhatCannotBeAHeader() {
    assertThat(GenericApiExport.parseHeaders(null)).isEmpty();
    assertThat(GenericApiExport.parseHeaders("Authorization=Bearer t0k, X-Team = search"))
        .isEqualTo(Map.of("Authorization", "Bearer t0k", "X-Team", "search"));
    assertThat(GenericApiExport.parseHeaders("{\"Authorization\": \"Bearer t0k\"}"))
        .isEqualTo(Map.of("Authorization", "Bearer t0k"));
    assertThatThrownBy(() -> GenericApiExport.parseHeaders("no-equals-sign"))
        .hasMessageContaining("Name=value");
    assertThatThrownBy(() -> GenericApiExport.parseHeaders("{not json"))
        .hasMessageContaining("JSON object");
    assertThatThrownBy(() -> GenericApiExport.parseHeaders("{\"A\": \"x\\r\\ny\"}"))
        .hasMessageContaining("line break");
  }
}
