package org.mal.core.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The full content of a safetensors file.
 *
 * @param tensors  tensor name to array, in header order
 * @param metadata the optional {@code "__metadata__"} string map; empty if absent
 */
public record SafetensorsFile(Map<String, INDArray> tensors, Map<String, String> metadata) {

    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
