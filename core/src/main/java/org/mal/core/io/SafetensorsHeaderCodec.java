package org.mal.core.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

/** Parses and validates, or encodes and pads, the JSON header of a safetensors file. */
final class SafetensorsHeaderCodec {

    static final String METADATA_KEY = "__metadata__";
    /** Same limit as the reference implementation: larger headers are treated as corrupt. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafetensorsHeaderCodec() {
    }

    /**
     * Parses the header JSON and checks every rule of the format against a data buffer of {@code bufferLength} bytes.
     */
    static SafetensorsHeader parse(Path file, byte[] json, long bufferLength) throws SafetensorsFormatException {
        JsonNode root = parseJson(file, json);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                tensors.put(field.getKey(), parseTensor(file, field.getKey(), field.getValue(), bufferLength));
            }
        }
        checkContiguous(file, tensors, bufferLength);
        return new SafetensorsHeader(tensors, metadata);
    }

    /** Encodes the header as compact UTF-8 JSON, padded with spaces to a multiple of 8 bytes. */
    static byte[] encode(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        tensors.forEach((name, info) -> {
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", info.dtype());
            ArrayNode shape = entry.putArray("shape");
            for (long d : info.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(info.begin()).add(info.end());
        });
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot serialize safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static JsonNode parseJson(Path file, byte[] json) throws SafetensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(file, "header is not a JSON object");
        }
        return root;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafetensorsFormatException {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(file, METADATA_KEY + " value of key '" + e.getKey()
                        + "' is not a string but " + e.getValue().getNodeType());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long bufferLength)
            throws SafetensorsFormatException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new SafetensorsFormatException(file, where + "entry is not a JSON object");
        }
        JsonNode dtypeNode = required(file, where, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(file, where + "dtype is not a string");
        }
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeNode.textValue()).orElseThrow(() ->
                new SafetensorsFormatException(file, where + "unknown dtype '" + dtypeNode.textValue() + "'"));
        long[] shape = longs(file, where, required(file, where, node, "shape"), "shape");
        for (long d : shape) {
            if (d < 0) {
                throw new SafetensorsFormatException(file,
                        where + "negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long[] offsets = longs(file, where, required(file, where, node, "data_offsets"), "data_offsets");
        if (offsets.length != 2) {
            throw new SafetensorsFormatException(file, where + "data_offsets must be [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin || end > bufferLength) {
            throw new SafetensorsFormatException(file, where + "data_offsets " + Arrays.toString(offsets)
                    + " are out of the data buffer [0, " + bufferLength + "]");
        }
        TensorInfo info = new TensorInfo(dtype.name(), shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.numel(), dtype.size);
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(file, where + "shape " + Arrays.toString(shape) + " is too large");
        }
        if (info.byteLength() != expected) {
            throw new SafetensorsFormatException(file, where + "byte size " + info.byteLength()
                    + " does not match shape " + Arrays.toString(shape) + " of " + dtype + " (" + expected + " bytes)");
        }
        return info;
    }

    private static JsonNode required(Path file, String where, JsonNode node, String key)
            throws SafetensorsFormatException {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw new SafetensorsFormatException(file, where + "missing " + key);
        }
        return value;
    }

    private static long[] longs(Path file, String where, JsonNode node, String key) throws SafetensorsFormatException {
        if (!node.isArray()) {
            throw new SafetensorsFormatException(file, where + key + " is not an array");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode n = node.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw new SafetensorsFormatException(file, where + key + " contains " + n + ", not a 64-bit integer");
            }
            values[i] = n.longValue();
        }
        return values;
    }

    /** Offsets, sorted, must tile the data buffer exactly: start at 0, no gaps, no overlaps, end at its end. */
    private static void checkContiguous(Path file, Map<String, TensorInfo> tensors, long bufferLength)
            throws SafetensorsFormatException {
        List<Entry<String, TensorInfo>> byOffset = new ArrayList<>(tensors.entrySet());
        byOffset.sort(Comparator.comparingLong((Entry<String, TensorInfo> e) -> e.getValue().begin())
                .thenComparingLong(e -> e.getValue().end()));
        long expected = 0;
        for (Entry<String, TensorInfo> e : byOffset) {
            long begin = e.getValue().begin();
            if (begin != expected) {
                String kind = begin > expected ? "gap of " + (begin - expected) + " bytes"
                        : "overlap of " + (expected - begin) + " bytes";
                throw new SafetensorsFormatException(file, "tensor data not contiguous: " + kind
                        + " before tensor '" + e.getKey() + "' at offset " + begin);
            }
            expected = e.getValue().end();
        }
        if (expected != bufferLength) {
            throw new SafetensorsFormatException(file, "tensor data not contiguous: gap of " + (bufferLength - expected)
                    + " bytes after the last tensor (data buffer is " + bufferLength + " bytes)");
        }
    }
}
