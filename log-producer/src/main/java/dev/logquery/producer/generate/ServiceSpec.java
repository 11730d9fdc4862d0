package dev.logquery.producer.generate;

import java.util.List;

/**
 * One synthetic Kubernetes workload: a Deployment named {@code name} in {@code namespace} whose current
 * ReplicaSet {@code replicaSet} runs {@code pods} (named like {@code payment-service-7d9f8c6b5-x2k4p}),
 * each with one application container.
 *
 * @param name        the service (and Deployment) name; the Kafka record key
 * @param domain      what the service is about (namespace, REST resource, business events)
 * @param namespace   the Kubernetes namespace
 * @param container   the application container name
 * @param replicaSet  {@code <name>-<pod-template-hash>}
 * @param pods        the pod names, stable for a given seed and service name
 * @param downstreams services this one calls (named in timeouts and retries)
 * @param weight      relative share of the cluster's log volume
 */
public record ServiceSpec(
        String name,
        ServiceDomain domain,
        String namespace,
        String container,
        String replicaSet,
        List<String> pods,
        List<String> downstreams,
        double weight) {

    public ServiceSpec {
        pods = List.copyOf(pods);
        downstreams = List.copyOf(downstreams);
    }
}
