package org.mal.core.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON header of a safetensors file, without the tensor data.
 *
 * @param tensors  tensor name to its dtype, shape and byte range, in header order
 * @param metadata the optional {@code "__metadata__"} string map; empty if absent
 */
public record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
