package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiBaseDenylistTest {
  /** A resolver that knows a few names and never touches DNS. */
  static final ApiBaseDenylist.Resolver FAKE =
      host -> {
        Map<String, String> known =
            Map.of(
                "api.openai.com", "104.18.6.192",
                "evil.example", "169.254.169.254",
                "v6.example", "fe80::1",
                "internal.example", "10.1.2.3");
        String a = known.get(host);
        if (a == null) {
          throw new UnknownHostException(host);
        }
        return List.of(InetAddress.getByName(a));
      };

  static ApiBaseDenylist.Resolver failing() {
    return host -> {
      throw new AssertionError("resolved " + host);
    };
  }

  @Test
  void check_default_deniesMetadataAndLinkLocal() {
    ApiBaseDenylist d = ApiBaseDenylist.DEFAULT;
    for (String base :
        List.of(
            "http://169.254.169.254/latest/meta-data",
            "http://169.254.0.1:8080",
            "http://[fe80::1]/v1",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://metadata.google.internal/computeMetadata/v1",
            "http://METADATA.google.internal./",
            "http://[::ffff:169.254.169.254]/")) {
      assertThat(d.check(base, failing())).as(base).isPresent();
    }
  }

  @Test
  void check_default_allowsOrdinaryHosts() {
    ApiBaseDenylist d = ApiBaseDenylist.DEFAULT;
    assertThat(d.check("https://api.openai.com/v1", FAKE)).isEmpty();
    assertThat(d.check("http://127.0.0.1:8000", failing())).isEmpty();
    assertThat(d.check("http://169.253.255.255", failing())).isEmpty();
    assertThat(d.check("http://169.255.0.0", failing())).isEmpty();
    assertThat(d.check("http://[fec0::1]", failing())).isEmpty();
    assertThat(d.check("http://100.100.100.201", failing())).isEmpty();
    assertThat(d.check("http://unresolvable.example", FAKE)).isEmpty();
  }

  @Test
  void check_nameResolvingIntoADeniedRange_denied() {
    assertThat(ApiBaseDenylist.DEFAULT.check("http://evil.example/v1", FAKE))
        .get()
        .asString()
        .contains("evil.example", "169.254.169.254", "169.254.0.0/16");
    assertThat(ApiBaseDenylist.DEFAULT.check("http://v6.example/v1", FAKE)).isPresent();
  }

  @Test
  void check_cidrPrefixes_matchOnBitBoundaries() {
    ApiBaseDenylist d =
        ApiBaseDenylist.of(List.of("10.0.0.0/8", "192.168.4.0/22", "2001:db8::/33"));
    assertThat(d.check("http://internal.example", FAKE)).isPresent();
    assertThat(d.check("http://192.168.7.255", failing())).isPresent();
    assertThat(d.check("http://192.168.8.0", failing())).isEmpty();
    assertThat(d.check("http://192.168.3.255", failing())).isEmpty();
    assertThat(d.check("http://[2001:db8:7fff::1]", failing())).isPresent();
    assertThat(d.check("http://[2001:db8:8000::1]", failing())).isEmpty();
    assertThat(d.check("http://169.254.169.254", failing())).isEmpty();
  }

  @Test
  void check_hostEntry_matchesSubdomains() {
    ApiBaseDenylist d = ApiBaseDenylist.of(List.of("corp.internal"));
    assertThat(d.check("http://llm.corp.internal", failing())).isPresent();
    assertThat(d.check("http://corp.internal", failing())).isPresent();
    assertThat(d.check("http://notcorp.internal", FAKE)).isEmpty();
  }

  @Test
  void check_emptyList_allowsEverything() {
    assertThat(ApiBaseDenylist.of(List.of()).check("http://169.254.169.254", failing())).isEmpty();
  }

  @Test
  void of_badEntries_throwNamingThem() {
    assertThatThrownBy(() -> ApiBaseDenylist.of(List.of("10.0.0.0/33")))
        .hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> ApiBaseDenylist.of(List.of("not a host/8")))
        .hasMessageContaining("not a host/8");
    assertThatThrownBy(() -> ApiBaseDenylist.of(List.of(""))).hasMessageContaining("empty");
  }

  @Test
  void configLoader_parsesTheListOrDefaults() {
    Environment env = Environment.of(Map.of());
    assertThat(ConfigLoader.parse("t", "model_list: []\n", env).general().apiBaseDenylist())
        .isEqualTo(ApiBaseDenylist.DEFAULT);
    assertThat(
            ConfigLoader.parse(
                    "t",
                    "general_settings:\n  api_base_denylist: [10.0.0.0/8, corp.internal]\n",
                    env)
                .general()
                .apiBaseDenylist()
                .entries())
        .containsExactly("10.0.0.0/8", "corp.internal");
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(
                    "t", "general_settings:\n  api_base_denylist: [10.0.0.0/99]\n", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("api_base_denylist");
  }
}
