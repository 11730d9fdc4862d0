package dev.logquery.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.coordinator.config.CoordinatorProperties;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class ShardTest {

    @Test
    void urlComesFirstThenTheReplicasWithoutDuplicatesOrTrailingSlashes() {
        Shard shard = new Shard(0, "http://a/", List.of("http://a", " http://b/ "));
        assertThat(shard.replicas()).containsExactly("http://a", "http://b");
        assertThat(shard.url()).isEqualTo("http://a");
        assertThat(shard.replicaList()).extracting(Replica::name)
                .containsExactly("shard-0-replica-0", "shard-0-replica-1");
    }

    @Test
    void aBlankReplicaEntryIsAnEmptySlotAndIgnored() {
        Shard shard = new Shard(1, null, Arrays.asList("http://r0", "", null, "  "));
        assertThat(shard.replicas()).containsExactly("http://r0");
        assertThat(shard.url()).isEqualTo("http://r0");
    }

    @Test
    void aShardWithOnlyBlankEntriesHasNoUrl() {
        assertThatThrownBy(() -> new Shard(2, " ", Arrays.asList("", null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard 2 has no url");
    }

    @Test
    void eachDatabaseBelongsToTheReplicaAtItsIndexAndNeedsOne() {
        Shard shard = new Shard(0, null, Arrays.asList("http://r0", "", "http://r2"),
                Arrays.asList("jdbc:postgresql://db0/logs", "", " jdbc:postgresql://db2/logs "));
        assertThat(shard.replicaList()).extracting(shard::databaseOf)
                .containsExactly("jdbc:postgresql://db0/logs", "jdbc:postgresql://db2/logs");
        Shard withoutDatabases = new Shard(1, "http://u", List.of("http://r1"));
        assertThat(withoutDatabases.replicaList()).extracting(withoutDatabases::databaseOf).containsExactly("", "");
        assertThatThrownBy(() -> new Shard(2, null, Arrays.asList("http://r0", ""),
                List.of("", "jdbc:postgresql://db1/logs")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard 2 has databases[1] but no replicas[1]");
    }

    /** What docker-compose.yml does when the second replicas do not run: the variable is set, empty. */
    @Test
    void anEmptyReplicaVariableBindsToOneReplica() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("LOGQUERY_COORDINATOR_SHARDS_0_ID", "0");
        env.put("LOGQUERY_COORDINATOR_SHARDS_0_REPLICAS_0", "http://node-0:8081");
        env.put("LOGQUERY_COORDINATOR_SHARDS_0_REPLICAS_1", "");
        assertThat(bind(env).shards()).singleElement()
                .satisfies(s -> assertThat(s.replicas()).containsExactly("http://node-0:8081"));

        env.put("LOGQUERY_COORDINATOR_SHARDS_0_REPLICAS_1", "http://node-0-r1:8091");
        assertThat(bind(env).shards()).singleElement()
                .satisfies(s -> assertThat(s.replicas()).containsExactly("http://node-0:8081", "http://node-0-r1:8091"));
    }

    private static CoordinatorProperties bind(Map<String, Object> env) {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
        return new Binder(ConfigurationPropertySources.from(sources))
                .bindOrCreate("logquery.coordinator", CoordinatorProperties.class);
    }
}
