package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
    static final String BASE = "1111111111111111111111111111111111111111111111111111111111111111";
    static final String TARGET = "2222222222222222222222222222222222222222222222222222222222222222";

    /** The key pinned by golden/cache-key-evaluation.txt; it uses every value tag. */
    static CacheKey goldenKey() { return goldenBuilder(Map.of()).build(); }

    /** The golden key's builder, with some fields set differently by {@code overrides} (field name to setter). */
    static CacheKey.Builder goldenBuilder(Map<String, Consumer<CacheKey.Builder>> overrides) {
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("target", 1);
        layer.put("base", 0);
        Map<String, Consumer<CacheKey.Builder>> setters = new LinkedHashMap<>();
        setters.put("base.weights", b -> b.put("base.weights", BASE));
        setters.put("target.weights", b -> b.put("target.weights", TARGET));
        setters.put("move", b -> b.put("move", Map.of("target", "fashion-mnist-128x128", "layers", List.of(layer),
                "lambda.policy", "grid")));
        setters.put("aligner", b -> b.put("aligner", Map.of("name", "weight-matching", "iterations", 100, "seed", 7L)));
        setters.put("merger", b -> b.put("merger", Map.of("name", "interpolate", "normalise", true)));
        setters.put("lambda.grid", b -> b.put("lambda.grid", new double[] {0.0, 0.5, 1.0}));
        setters.put("evaluation.data", b -> b.put("evaluation.data",
                "fashion-mnist/test@3333333333333333333333333333333333333333333333333333333333333333"));
        setters.put("code.version", b -> b.put("code.version", "0.1.0-SNAPSHOT+abc1234"));
        setters.put("extra.tolerance", b -> b.put("extra.tolerance", 0.01));
        setters.put("extra.salt", b -> b.put("extra.salt", new byte[] {1, 2, 3}));
        setters.putAll(overrides);
        CacheKey.Builder b = CacheKey.builder("evaluation");
        setters.values().forEach(s -> s.accept(b));
        return b;
    }

    @Test
    void evaluationKeyEncodingMatchesGoldenFile() throws Exception {
        Map<String, String> golden = Golden.read("cache-key-evaluation.txt");
        CacheKey key = goldenKey();
        assertEquals(golden.get("encoding"), Hex.of(key.encoding()),
                "the cache key encoding changed: every cached evaluation would be recomputed. If intended, "
                        + "update golden/cache-key-evaluation.txt and ENCODING.md in the same commit");
        assertEquals(golden.get("sha256"), key.hex());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(key.encoding()), key.hash());
    }

    @Test
    void encodingStartsWithMagicVersionAndKind() {
        byte[] e = goldenKey().encoding();
        assertEquals("4d414c4b" + "01" + "0000000a" + Hex.of("evaluation".getBytes()),
                Hex.of(e).substring(0, (4 + 1 + 4 + 10) * 2));
    }

    @Test
    void fieldAndMapOrderDoNotChangeTheKey() {
        CacheKey a = CacheKey.builder("k").put("x", 1).put("y", Map.of("p", 1, "q", 2)).build();
        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("q", 2);
        reversed.put("p", 1);
        CacheKey b = CacheKey.builder("k").put("y", reversed).put("x", 1).build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertArrayEquals(a.encoding(), b.encoding());
    }

    @Test
    void everyFieldChangesTheKey() {
        Map<String, Consumer<CacheKey.Builder>> changes = Map.of(
                "base.weights", b -> b.put("base.weights", TARGET),
                "target.weights", b -> b.put("target.weights", BASE),
                "move", b -> b.put("move", Map.of("target", "other")),
                "aligner", b -> b.put("aligner", Map.of("name", "weight-matching", "iterations", 101, "seed", 7L)),
                "merger", b -> b.put("merger", Map.of("name", "interpolate", "normalise", false)),
                "lambda.grid", b -> b.put("lambda.grid", new double[] {0.0, 0.25, 0.5, 0.75, 1.0}),
                "evaluation.data", b -> b.put("evaluation.data", "mnist/test@x"),
                "code.version", b -> b.put("code.version", "0.1.0-SNAPSHOT+def5678"),
                "extra.tolerance", b -> b.put("extra.tolerance", 0.02));
        Set<CacheKey> keys = new HashSet<>();
        keys.add(goldenKey());
        for (Map.Entry<String, Consumer<CacheKey.Builder>> change : changes.entrySet()) {
            keys.add(goldenBuilder(Map.of(change.getKey(), change.getValue())).build());
        }
        keys.add(goldenBuilder(Map.of()).put("extra.seed", 1L).build());
        assertEquals(changes.size() + 2, keys.size());
    }

    @Test
    void valuesOfDifferentTypesGiveDifferentKeys() {
        List<Object> values = List.of("1", 1L, 1.0, true, new byte[] {1}, List.of(1L), Map.of("1", 1L));
        Set<CacheKey> keys = new HashSet<>();
        for (Object v : values) keys.add(CacheKey.builder("k").putValue("v", v).build());
        assertEquals(values.size(), keys.size());
    }

    @Test
    void lengthPrefixesKeepConcatenationsApart() {
        CacheKey a = CacheKey.builder("k").put("v", List.of("ab", "c")).build();
        CacheKey b = CacheKey.builder("k").put("v", List.of("a", "bc")).build();
        CacheKey c = CacheKey.builder("k").put("v", List.of("abc")).build();
        CacheKey d = CacheKey.builder("k").put("va", "").build();
        CacheKey e = CacheKey.builder("k").put("v", "a").build();
        assertEquals(5, Set.of(a, b, c, d, e).size());
        assertNotEquals(CacheKey.builder("k").build(), CacheKey.builder("kk").build());
    }

    @Test
    void integersWidenToLongAndNanIsCanonical() {
        assertEquals(CacheKey.builder("k").putValue("v", 3).build(), CacheKey.builder("k").put("v", 3L).build());
        assertEquals(CacheKey.builder("k").putValue("v", List.of(1, 2)).build(),
                CacheKey.builder("k").put("v", new long[] {1, 2}).build());
        double otherNan = Double.longBitsToDouble(0x7ff8000000000001L);
        assertEquals(CacheKey.builder("k").put("v", Double.NaN).build(), CacheKey.builder("k").put("v", otherNan).build());
        assertNotEquals(CacheKey.builder("k").put("v", 0.0).build(), CacheKey.builder("k").put("v", -0.0).build());
    }

    @Test
    void laterChangesToAnAddedArrayDoNotLeakIn() {
        byte[] salt = {1, 2, 3};
        CacheKey.Builder b = CacheKey.builder("k").put("salt", salt);
        salt[0] = 9;
        assertEquals(CacheKey.builder("k").put("salt", new byte[] {1, 2, 3}).build(), b.build());
    }

    @Test
    void rejectsDuplicatesNullsUnorderedCollectionsAndUnknownTypes() {
        assertThrows(IllegalArgumentException.class, () -> CacheKey.builder("k").put("a", 1).put("a", 2));
        assertThrows(IllegalArgumentException.class, () -> CacheKey.builder("k").putValue("a", null));
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                () -> CacheKey.builder("k").putValue("a", Set.of(1)));
        assertTrue(set.getMessage().contains("List"), set.getMessage());
        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class,
                () -> CacheKey.builder("k").putValue("a", Map.of("b", new ArrayList<>(List.of(new Object())))));
        assertTrue(nested.getMessage().contains("a.b[0]"), nested.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CacheKey.builder(""));
    }
}
