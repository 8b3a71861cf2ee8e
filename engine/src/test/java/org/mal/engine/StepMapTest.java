package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StepMapTest {
    @Test
    void everyVersionKeepsWhatItHeldWhileLaterOnesGrow() {
        StepMap<String, Integer> a = StepMap.<String, Integer>empty().plus("x", 1);
        StepMap<String, Integer> b = a.plus("y", 2);
        StepMap<String, Integer> c = b.plus("x", 3);     // a key put again: the new value from c on
        StepMap<String, Integer> d = a.plus("z", 4);     // a branch from an older version
        assertEquals(Map.of("x", 1), a);
        assertEquals(Map.of("x", 1, "y", 2), b);
        assertEquals(Map.of("x", 3, "y", 2), c);
        assertEquals(Map.of("x", 1, "z", 4), d);
        assertFalse(a.containsKey("y"));
        assertNull(d.get("y"), "a branch does not see its sibling's entries");
        assertEquals(List.of("y", "x"), new ArrayList<>(c.keySet()), "ordered by each key's latest put");
        assertThrows(NullPointerException.class, () -> a.plus("w", null));
    }

    /** Random puts on random earlier versions, against a copy-per-put reference (what SearchState did before). */
    @Test
    void agreesWithCopyingMapsOnRandomHistories() {
        Random random = new Random(22);
        for (int trial = 0; trial < 50; trial++) {
            List<StepMap<Integer, Integer>> versions = new ArrayList<>(List.of(StepMap.empty()));
            List<Map<Integer, Integer>> reference = new ArrayList<>(List.of(Map.of()));
            for (int op = 0; op < 200; op++) {
                int from = random.nextInt(10) == 0 ? random.nextInt(versions.size()) : versions.size() - 1;
                int key = random.nextInt(40);
                int value = random.nextInt(1000);
                versions.add(versions.get(from).plus(key, value));
                Map<Integer, Integer> r = new HashMap<>(reference.get(from));
                r.put(key, value);
                reference.add(r);
            }
            for (int v = 0; v < versions.size(); v++) {
                assertEquals(reference.get(v), versions.get(v), "trial " + trial + ", version " + v);
                assertEquals(reference.get(v).size(), versions.get(v).size());
                assertEquals(reference.get(v).hashCode(), versions.get(v).hashCode());
            }
        }
    }

    @Test
    void aReaderOfAnOlderVersionIsNotDisturbedByAppendsOnAnotherThread() throws Exception {
        StepMap<Integer, Integer> base = StepMap.empty();
        for (int i = 0; i < 100; i++) base = base.plus(i, i);
        StepMap<Integer, Integer> seen = base;
        StepMap<Integer, Integer>[] tip = new StepMap[] {base};
        Thread writer = new Thread(() -> {
            for (int i = 100; i < 200_000; i++) tip[0] = tip[0].plus(i, i);
        });
        writer.start();
        while (writer.isAlive()) {
            assertEquals(100, seen.size());
            int sum = 0;
            for (Map.Entry<Integer, Integer> e : seen.entrySet()) sum += e.getValue();
            assertEquals(4950, sum);
            assertNull(seen.get(150));
        }
        writer.join();
        assertEquals(200_000, tip[0].size());
    }
}
