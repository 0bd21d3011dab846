package io.kubedsr.proxy.status;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kube-dsr status -o json}: the {@link NodeStatus} tree as indented JSON, field names from the record
 * components (in declaration order), nulls kept so every field is always present. Pure.
 */
public final class JsonRenderer {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonRenderer() {
    }

    public static String render(NodeStatus status) {
        return MAPPER.writeValueAsString(status) + "\n";
    }

    /** Reads rendered JSON back (for tools and tests). */
    public static NodeStatus parse(String json) {
        try {
            return MAPPER.readValue(json, NodeStatus.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a kube-dsr status document: " + e.getMessage(), e);
        }
    }
}
