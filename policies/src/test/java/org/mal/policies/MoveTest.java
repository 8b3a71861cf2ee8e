package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MoveTest {

    private static Move move(Map<String, Object> aligner, String map) {
        return new Move("base", "t", map, "weight-matching", new TreeMap<>(aligner), "lerp", null, "fixed", new TreeMap<>(Map.of("value", 0.5)));
    }

    @Test
    void canonicalEncodingIgnoresInsertionOrderPairOrderAndNumberSpelling() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("seed", 1);
        a.put("iterations", 100.0);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("iterations", 100L);
        b.put("seed", 1.0);
        Move m1 = move(a, "1:2,0:0");
        Move m2 = move(b, "0:0,1:2");
        assertEquals(m1.canonical(), m2.canonical());
        assertEquals(m1, m2);
        assertEquals(m1.hash(), m2.hash());
        assertEquals("0:0,1:2", m1.layerMap());
    }

    @Test
    void canonicalEncodingHasSortedKeysAndRoundTrips() {
        Move m = move(Map.of("seed", 7, "nested", Map.of("z", 1, "a", "x")), "0:0");
        String json = m.canonical();
        assertEquals("{\"aligner\":\"weight-matching\",\"alignerSettings\":{\"nested\":{\"a\":\"x\",\"z\":1},\"seed\":7},"
                + "\"base\":\"base\",\"lambdaPolicy\":\"fixed\",\"lambdaSettings\":{\"value\":0.5},\"layerMap\":\"0:0\","
                + "\"merger\":\"lerp\",\"mergerSettings\":{},\"target\":\"t\"}", json);
        Move back = Move.fromCanonical(json);
        assertEquals(m, back);
        assertEquals(json, back.canonical());
    }

    @Test
    void anyDifferenceInWhatDeterminesTheResultChangesTheKey() {
        Move m = move(Map.of("seed", 7), "0:0");
        assertNotEquals(m.hash(), move(Map.of("seed", 8), "0:0").hash());
        assertNotEquals(m.hash(), move(Map.of("seed", 7), "0:1").hash());
        assertNotEquals(m.hash(), m.withLambda("threshold", Map.of("tolerance", 0.05)).hash());
        assertNotEquals(m.hash(), m.withMerger("other", Map.of()).hash());
    }

    @Test
    void rejectsAnInvalidLayerMap() {
        assertThrows(IllegalArgumentException.class, () -> move(Map.of(), "0:0,0:1"));
    }

    /** Issue 17: a soup of several targets is a move too; its targets are a sorted set, and a move of one target encodes as before. */
    @Test
    void aSoupNamesItsTargetsOnceInOrderAndRoundTrips() {
        Move one = move(Map.of("seed", 7), "0:0");
        assertFalse(one.canonical().contains("soup"), one.canonical());
        Move soup = one.withSoup(java.util.List.of("v", "u"));
        assertEquals(java.util.List.of("u", "v"), soup.soup());
        assertEquals(java.util.List.of("t", "u", "v"), soup.targets());
        assertEquals("t+u+v", soup.targetNames());
        assertTrue(soup.canonical().contains("\"soup\":[\"u\",\"v\"]"), soup.canonical());
        assertEquals(soup, Move.fromCanonical(soup.canonical()));
        assertEquals(one, Move.fromCanonical(one.canonical()));
        assertNotEquals(one.hash(), soup.hash());
        assertEquals(soup, one.withSoup(java.util.List.of("u", "v")));
        assertEquals(soup.soup(), soup.withLambda("fixed", Map.of("value", 0.2)).soup(), "the with- methods keep the soup");
        assertThrows(IllegalArgumentException.class, () -> one.withSoup(java.util.List.of("t")));
        assertThrows(IllegalArgumentException.class, () -> one.withSoup(java.util.List.of("u", "u")));
    }
}
