package dev.tollgate.provider.vertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.common.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VertexAuthTest {
  @SuppressWarnings("NullAway.Init")
  static KeyPair keys;

  @SuppressWarnings("NullAway.Init")
  static String serviceAccount;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    keys = g.generateKeyPair();
    ObjectNode sa = Json.MAPPER.createObjectNode();
    sa.put("type", "service_account");
    sa.put("project_id", "p-1");
    sa.put("private_key_id", "kid-1");
    sa.put(
        "private_key",
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    sa.put("client_email", "sa@p-1.iam.gserviceaccount.com");
    sa.put("token_uri", "https://oauth2.example/token");
    serviceAccount = sa.toString();
  }

  static String formField(String form, String name) {
    for (String pair : form.split("&")) {
      if (pair.startsWith(name + "=")) {
        return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no " + name + " in " + form);
  }

  @Test
  void grant_serviceAccount_isAJwtBearerAssertionSignedWithItsKey() throws Exception {
    VertexAuth.Grant g = VertexAuth.Grant.of(serviceAccount, 1_700_000_000L);

    assertThat(g.tokenUri()).isEqualTo("https://oauth2.example/token");
    assertThat(g.project()).isEqualTo("p-1");
    assertThat(formField(g.form(), "grant_type"))
        .isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
    String[] jwt = formField(g.form(), "assertion").split("\\.");
    assertThat(jwt).hasSize(3);
    Signature v = Signature.getInstance("SHA256withRSA");
    v.initVerify(keys.getPublic());
    v.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(v.verify(Base64.getUrlDecoder().decode(jwt[2]))).isTrue();
    JsonNode header = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt[0]));
    assertThat(header)
        .isEqualTo(Json.MAPPER.readTree("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"kid-1\"}"));
    JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt[1]));
    assertThat(claims)
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"iss":"sa@p-1.iam.gserviceaccount.com",
                 "scope":"https://www.googleapis.com/auth/cloud-platform",
                 "aud":"https://oauth2.example/token","iat":1700000000,"exp":1700003600}
                """));
    assertThat(g.toString()).doesNotContain("assertion").doesNotContain("PRIVATE");
  }

  @Test
  void grant_pathToAKeyFile_readsTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("key.json");
    Files.writeString(file, serviceAccount);

    VertexAuth.Grant g = VertexAuth.Grant.of(file.toString(), 1_700_000_000L);

    assertThat(g.project()).isEqualTo("p-1");
    assertThat(g.form()).contains("assertion=");
  }

  @Test
  void grant_authorizedUser_isARefreshTokenGrantAtGooglesEndpoint() {
    VertexAuth.Grant g =
        VertexAuth.Grant.of(
            "{\"type\":\"authorized_user\",\"client_id\":\"c\",\"client_secret\":\"s&x\","
                + "\"refresh_token\":\"r\",\"quota_project_id\":\"q\"}",
            0);

    assertThat(g.tokenUri()).isEqualTo(VertexAuth.DEFAULT_TOKEN_URI);
    assertThat(g.form())
        .isEqualTo("grant_type=refresh_token&client_id=c&client_secret=s%26x&refresh_token=r");
    assertThat(g.project()).isEqualTo("q");
  }

  @Test
  void grant_unusableCredentials_failWithoutEchoingThem() {
    assertThatThrownBy(() -> VertexAuth.Grant.of("/no/such/file.json", 0))
        .isInstanceOf(dev.tollgate.provider.BearerTokens.TokenFailure.class)
        .hasMessageContaining("neither a credential's JSON nor a readable file");
    assertThatThrownBy(() -> VertexAuth.Grant.of("{\"type\":\"external_account\"}", 0))
        .hasMessageContaining("'external_account' are not supported");
    String broken = serviceAccount.replace("MII", "xx");
    assertThatThrownBy(() -> VertexAuth.Grant.of(broken, 0))
        .hasMessageContaining("not a PKCS#8 RSA key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("xx"));
    assertThatThrownBy(() -> VertexAuth.Grant.of("{\"type\":\"service_account\"}", 0))
        .hasMessageContaining("no client_email");
  }
}
