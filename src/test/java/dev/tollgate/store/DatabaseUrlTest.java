package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {
  @Test
  void parse_liteLlmForm_splitsCredentialsFromUrl() {
    DatabaseUrl u = DatabaseUrl.parse("postgresql://llm:s3cret@db.internal:6543/litellm");

    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/litellm");
    assertThat(u.user()).contains("llm");
    assertThat(u.password()).contains("s3cret");
    assertThat(u.display()).isEqualTo("llm@db.internal:6543/litellm").doesNotContain("s3cret");
  }

  @Test
  void parse_postgresSchemeWithoutPort_usesDefaultPort() {
    DatabaseUrl u = DatabaseUrl.parse("postgres://llm:pw@localhost/app");

    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/app");
  }

  @Test
  void parse_percentEncodedPassword_isDecoded() {
    DatabaseUrl u = DatabaseUrl.parse("postgresql://llm:p%40ss%3Aw%2Fo+rd@h:5432/db");

    assertThat(u.password()).contains("p@ss:w/o+rd");
  }

  @Test
  void parse_prismaParameters_areTranslated() {
    DatabaseUrl u =
        DatabaseUrl.parse(
            "postgresql://u:p@h:5432/db?schema=tenant1&connection_limit=7&pool_timeout=3"
                + "&connect_timeout=4&sslmode=require");

    assertThat(u.schema()).contains("tenant1");
    assertThat(u.poolSize()).hasValue(7);
    assertThat(u.poolTimeoutMillis()).hasValue(3000);
    assertThat(u.properties()).isEqualTo(Map.of("connectTimeout", "4", "sslmode", "require"));
  }

  @Test
  void parse_jdbcFormWithCredentialsInQuery_movesThemOut() {
    DatabaseUrl u =
        DatabaseUrl.parse("jdbc:postgresql://h:5432/db?user=u&password=s3cret&sslmode=disable");

    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db?sslmode=disable");
    assertThat(u.user()).contains("u");
    assertThat(u.password()).contains("s3cret");
    assertThat(u.display()).isEqualTo("u@h:5432/db");
  }

  @Test
  void parse_jdbcFormWithPasswordLast_leavesNoDanglingSeparator() {
    DatabaseUrl u = DatabaseUrl.parse("jdbc:postgresql://h/db?password=s3cret");

    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
    assertThat(u.user()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "mysql://u:s3cret@h/db",
        "s3cret",
        "postgresql://u:s3cret@/db",
        "postgresql://u:s3c ret@h/db",
        "postgresql://u:s3cret@h/db?connection_limit=lots",
        "postgresql://u@h/db?password=s3cret",
        "jdbc:mysql://h/db?password=s3cret",
        "postgresql://u:s3cret%zz@h/db"
      })
  void parse_badUrl_namesProblemWithoutSecret(String url) {
    assertThatThrownBy(() -> DatabaseUrl.parse(url))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("database URL")
        .message()
        .doesNotContain("s3cret");
  }

  @Test
  void parse_unknownScheme_namesSchemeAndExpectedForm() {
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://u:p@h/db"))
        .hasMessageContaining("'mysql'")
        .hasMessageContaining("postgresql://user:password@host:port/database");
  }

  @Test
  void redact_textWithPassword_hidesRawAndEncodedForms() {
    DatabaseUrl u = DatabaseUrl.parse("postgresql://u:p%40ss@h/db");

    assertThat(u.redact("failed for p@ss and p%40ss")).isEqualTo("failed for *** and ***");
    assertThat(u.schema()).isEqualTo(Optional.empty());
  }
}
