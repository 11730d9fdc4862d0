package dev.logquery.testkit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads an {@code /actuator/health} answer: the node's status and its components' details. */
public final class HealthJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private final JsonNode root;

    private HealthJson(JsonNode root) {
        this.root = root;
    }

    public static HealthJson parse(String body) {
        return new HealthJson(MAPPER.readTree(body));
    }

    /** The node's overall status: {@code UP} or {@code DOWN}. */
    public String status() {
        return root.path("status").asString();
    }

    public String status(String component) {
        return root.path("components").path(component).path("status").asString();
    }

    /** A component's detail as text, empty when it has none. */
    public String detail(String component, String name) {
        JsonNode value = root.path("components").path(component).path("details").path(name);
        return value.isMissingNode() || value.isNull() ? "" : value.asString();
    }

    public boolean hasDetail(String component, String name) {
        return !root.path("components").path(component).path("details").path(name).isMissingNode();
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
