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
public record Shard(int id, String url, List<String> replicas) {

    @ConstructorBinding
    public Shard {
        List<String> all = new ArrayList<>();
        if (url != null && !url.isBlank()) {
            all.add(trimSlash(url));
        }
        for (String r : replicas == null ? List.<String>of() : replicas) {
            if (r != null && !r.isBlank() && !all.contains(trimSlash(r))) {
                all.add(trimSlash(r));
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("logquery.coordinator.shards: shard " + id + " has no url");
        }
        replicas = List.copyOf(all);
        url = all.get(0);
    }

    public Shard(int id, String url) {
        this(id, url, List.of());
    }

    /** The replicas in order of preference. */
    public List<Replica> replicaList() {
        return IntStream.range(0, replicas.size()).mapToObj(i -> new Replica(id, i, replicas.get(i))).toList();
    }

    private static String trimSlash(String url) {
        String u = url.trim();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
}
