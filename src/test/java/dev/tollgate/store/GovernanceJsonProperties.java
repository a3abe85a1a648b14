package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.governance.Entity;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The governance codec is exact for every entity, whatever its fields hold. */
class GovernanceJsonProperties {

  @Property(tries = 2000)
  void decode_ofEncode_equalsTheEntity(@ForAll long seed) {
    Entity e = GovernanceFixtures.random(new Random(seed));

    String json = GovernanceJson.encode(e);

    assertThat(GovernanceJson.decode(e.kind(), json)).isEqualTo(e);
    assertThat(GovernanceJson.encode(GovernanceJson.decode(e.kind(), json))).isEqualTo(json);
  }
}
