package dev.logquery.common.metadata;

import dev.logquery.common.codec.Rfc3339;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON form of {@link PartitionMetadata}, as served at {@code GET /internal/metadata}: times in RFC 3339,
 * levels as names, bloom filters as base64 of Guava's serialized form ({@code null} or absent when unknown):
 * {@code serviceBloom} of services, {@code attributeBloom} of attribute pairs.
 */
public final class MetadataCodec {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private MetadataCodec() {
    }

    public static byte[] toJsonBytes(PartitionMetadata m) {
        return MAPPER.writeValueAsBytes(toJson(m));
    }

    public static ObjectNode toJson(PartitionMetadata m) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("shard", m.shard());
        node.put("shardCount", m.shardCount());
        ArrayNode partitions = node.putArray("kafkaPartitions");
        m.kafkaPartitions().forEach(partitions::add);
        node.put("rowCount", m.rowCount());
        node.put("minTime", m.minTime() == null ? null : Rfc3339.format(m.minTime()));
        node.put("maxTime", m.maxTime() == null ? null : Rfc3339.format(m.maxTime()));
        putLevels(node, m.levels());
        node.put("serviceBloom", m.services() == null ? null : m.services().toBase64());
        node.put("attributeBloom", m.attributes() == null ? null : m.attributes().toBase64());
        node.put("generatedAt", Rfc3339.format(m.generatedAt()));
        ArrayNode chunks = node.putArray("chunks");
        for (ChunkMetadata c : m.chunks()) {
            ObjectNode cn = chunks.addObject();
            cn.put("hour", Rfc3339.format(c.hour()));
            cn.put("minTime", Rfc3339.format(c.minTime()));
            cn.put("maxTime", Rfc3339.format(c.maxTime()));
            cn.put("rowCount", c.rowCount());
            putLevels(cn, c.levels());
            cn.put("serviceBloom", c.services() == null ? null : c.services().toBase64());
            cn.put("attributeBloom", c.attributes() == null ? null : c.attributes().toBase64());
        }
        return node;
    }

    /** Parses the JSON form; throws {@link IllegalArgumentException} naming what is malformed. */
    public static PartitionMetadata fromJson(byte[] json) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("metadata is not JSON", e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("metadata is not a JSON object");
        }
        List<Integer> partitions = new ArrayList<>();
        n.path("kafkaPartitions").forEach(p -> partitions.add(p.asInt()));
        List<ChunkMetadata> chunks = new ArrayList<>();
        for (JsonNode c : n.path("chunks")) {
            chunks.add(new ChunkMetadata(time(c, "hour"), time(c, "minTime"), time(c, "maxTime"),
                    c.path("rowCount").asLong(), levels(c), bloom(c, "serviceBloom"), bloom(c, "attributeBloom")));
        }
        return new PartitionMetadata(n.path("shard").asInt(), n.path("shardCount").asInt(), partitions,
                n.path("rowCount").asLong(), optionalTime(n, "minTime"), optionalTime(n, "maxTime"),
                levels(n), bloom(n, "serviceBloom"), chunks, time(n, "generatedAt"), bloom(n, "attributeBloom"));
    }

    private static void putLevels(ObjectNode node, LevelSet levels) {
        ArrayNode array = node.putArray("levels");
        levels.names().forEach(array::add);
    }

    private static LevelSet levels(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.path("levels").forEach(l -> names.add(l.asString()));
        return LevelSet.ofNames(names);
    }

    private static StringBloom bloom(JsonNode n, String field) {
        JsonNode b = n.get(field);
        return b == null || b.isNull() ? null : StringBloom.fromBase64(b.asString());
    }

    private static Instant optionalTime(JsonNode n, String field) {
        JsonNode t = n.get(field);
        return t == null || t.isNull() ? null : time(n, field);
    }

    private static Instant time(JsonNode n, String field) {
        return Rfc3339.parse(n.path(field).asString(""))
                .orElseThrow(() -> new IllegalArgumentException(field + " is not an RFC 3339 time"));
    }
}
