package dev.logquery.coordinator.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * One shard: its number and the base URLs of the partition nodes that serve it. {@code url} alone is one
 * replica; {@code replicas} lists several (a {@code url} given too comes first). The first is preferred
 * while it is healthy. A blank entry is ignored, so a deployment can leave a replica slot empty (what
 * docker-compose does with an empty {@code LOGQUERY_COORDINATOR_SHARDS_0_REPLICAS_1} when the second replicas
 * do not run).
 *
 * <p>Bound from {@code logquery.coordinator.shards[i].id/url/replicas[j]} through the canonical constructor
 * ({@link ConstructorBinding}: the record has a second one, so the binder must be told which).
 */
@SuppressWarnings("removal") // implements the view local-stack's ComposeFileTest still names, see there
public record Shard(int id, String url, List<String> replicas, List<String> databases) {

    /**
     * @param databases the PostgreSQL of each replica, for the coordinator to read it directly (see {@code
     *                  ShardDatabases}): {@code databases[j]} belongs to {@code replicas[j]} as configured (a blank
     *                  or missing entry: that replica is read through its node only); {@code url} has none. After
     *                  construction it is aligned with the final {@code replicas}, "" where there is none
     */
    @ConstructorBinding
    public Shard {
        List<String> all = new ArrayList<>();
        List<String> dbs = new ArrayList<>();
        if (url != null && !url.isBlank()) {
            all.add(trimSlash(url));
            dbs.add("");
        }
        List<String> configured = replicas == null ? List.of() : replicas;
        for (int j = 0; j < configured.size(); j++) {
            String r = configured.get(j);
            String db = databases == null || j >= databases.size() || databases.get(j) == null ? ""
                    : databases.get(j).trim();
            if (r != null && !r.isBlank() && !all.contains(trimSlash(r))) {
                all.add(trimSlash(r));
                dbs.add(db);
            } else if (!db.isEmpty()) {
                throw new IllegalArgumentException("logquery.coordinator.shards: shard " + id + " has databases[" + j
                        + "] but no replicas[" + j + "] it belongs to");
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("logquery.coordinator.shards: shard " + id + " has no url");
        }
        replicas = List.copyOf(all);
        databases = List.copyOf(dbs);
        url = all.get(0);
    }

    public Shard(int id, String url, List<String> replicas) {
        this(id, url, replicas, List.of());
    }

    public Shard(int id, String url) {
        this(id, url, List.of());
    }

    /** The replicas in order of preference. */
    public List<Replica> replicaList() {
        return IntStream.range(0, replicas.size()).mapToObj(i -> new Replica(id, i, replicas.get(i))).toList();
    }

    /** The PostgreSQL of the replica, for direct reads; empty when it has none configured. */
    public String databaseOf(Replica replica) {
        return replica.index() < databases.size() ? databases.get(replica.index()) : "";
    }

    private static String trimSlash(String url) {
        String u = url.trim();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
}
