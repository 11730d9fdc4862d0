package dev.logquery.producer.generate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The services, namespaces and pods of a synthetic cluster, derived deterministically from a seed.
 *
 * <p>The first services are the catalog services of {@link ServiceDomain} in declaration order
 * ({@code api-gateway}, {@code auth-service}, {@code user-service}, {@code payment-service}, ...). Larger
 * clusters add workloads named {@code <domain word>-<role>} ({@code payment-worker},
 * {@code catalog-indexer}, ...) in a fixed order, then numbered copies ({@code order-worker-2}). A
 * service's pods depend only on the seed and the service name, so growing the cluster keeps them.
 */
public final class ClusterTopology {

    /** Upper bound on the cluster size, far above anything useful; keeps the name space finite. */
    public static final int MAX_SERVICES = 10_000;

    private static final List<String> ROLES = List.of(
            "worker", "api", "processor", "consumer", "sync", "indexer", "scheduler", "adapter");

    private final List<ServiceSpec> services;
    private final Map<String, ServiceSpec> byName;
    private final double[] cumulativeWeights;

    private ClusterTopology(List<ServiceSpec> services) {
        this.services = List.copyOf(services);
        this.byName = services.stream().collect(Collectors.toUnmodifiableMap(ServiceSpec::name, Function.identity()));
        this.cumulativeWeights = new double[services.size()];
        double sum = 0;
        for (int i = 0; i < services.size(); i++) {
            sum += services.get(i).weight();
            cumulativeWeights[i] = sum;
        }
    }

    /** A cluster of {@code serviceCount} services (1 to {@value #MAX_SERVICES}). */
    public static ClusterTopology generate(int serviceCount, long seed) {
        if (serviceCount < 1 || serviceCount > MAX_SERVICES) {
            throw new IllegalArgumentException(
                    "service count must be between 1 and " + MAX_SERVICES + ", is " + serviceCount);
        }
        List<Named> names = serviceNames(serviceCount);
        List<String> allNames = names.stream().map(Named::name).toList();
        List<ServiceSpec> specs = new ArrayList<>(serviceCount);
        for (Named named : names) {
            specs.add(workload(named, allNames, seed));
        }
        return new ClusterTopology(specs);
    }

    public List<ServiceSpec> services() {
        return services;
    }

    public Optional<ServiceSpec> service(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Picks a service with probability proportional to its weight, given {@code u} uniform in [0, 1). */
    ServiceSpec pick(double u) {
        double target = u * cumulativeWeights[cumulativeWeights.length - 1];
        int lo = 0;
        int hi = cumulativeWeights.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulativeWeights[mid] > target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return services.get(lo);
    }

    private record Named(String name, ServiceDomain domain) {
    }

    private static List<Named> serviceNames(int count) {
        ServiceDomain[] domains = ServiceDomain.values();
        List<Named> names = new ArrayList<>(count);
        for (int i = 0; i < domains.length && names.size() < count; i++) {
            names.add(new Named(domains[i].serviceName(), domains[i]));
        }
        Set<String> taken = new LinkedHashSet<>();
        names.forEach(n -> taken.add(n.name()));
        for (int copy = 1; names.size() < count; copy++) {
            for (String role : ROLES) {
                for (ServiceDomain domain : domains) {
                    if (domain == ServiceDomain.GATEWAY) {
                        continue; // "gateway-worker" is no name anyone would pick
                    }
                    if (names.size() == count) {
                        return names;
                    }
                    String name = domain.word() + "-" + role + (copy == 1 ? "" : "-" + copy);
                    if (taken.add(name)) {
                        names.add(new Named(name, domain));
                    }
                }
            }
        }
        return names;
    }

    private static ServiceSpec workload(Named named, List<String> allNames, long seed) {
        Dice dice = new Dice(mix(seed, named.name()));
        boolean gateway = named.domain() == ServiceDomain.GATEWAY;
        String replicaSet = named.name() + "-" + dice.kube(dice.between(9, 10));
        int podCount = gateway ? dice.between(4, 6) : dice.between(2, 4);
        Set<String> pods = new LinkedHashSet<>();
        while (pods.size() < podCount) {
            pods.add(replicaSet + "-" + dice.kube(5));
        }
        double weight = gateway ? 4.0 : 0.5 + 2.5 * dice.nextDouble();

        int wanted = Math.min(allNames.size() - 1, gateway ? 6 : dice.between(1, 3));
        Set<String> downstreams = new LinkedHashSet<>();
        while (downstreams.size() < wanted) {
            String candidate = allNames.get(dice.nextInt(allNames.size()));
            if (!candidate.equals(named.name())) {
                downstreams.add(candidate);
            }
        }
        return new ServiceSpec(named.name(), named.domain(), named.domain().namespace(), named.name(), replicaSet,
                List.copyOf(pods), List.copyOf(downstreams), weight);
    }

    /** A seed for one service: the cluster seed mixed with a 64-bit FNV-1a hash of the name. */
    static long mix(long seed, String name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b;
            hash *= 0x100000001b3L;
        }
        return seed * 0x9E3779B97F4A7C15L ^ hash;
    }
}
