package org.mal.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order of dense layers from names and shapes alone (no tensors needed). */
class LayerChainTest {

    @Test
    void numberedModulesAreOrderedAsNumbersWhenAFileSortsThemAsText() {
        // what the safetensors package writes for an nn.Sequential of 11 Linear layers: names sorted as text
        Map<String, long[]> shapes = new LinkedHashMap<>();
        List<String> text = new java.util.ArrayList<>();
        for (int i = 0; i <= 10; i++) text.add("layers." + i);
        java.util.Collections.sort(text);   // layers.0, layers.1, layers.10, layers.2, ...
        for (String p : text) {
            int i = Integer.parseInt(p.substring("layers.".length()));
            shapes.put(p + ".weight", new long[] {i == 10 ? 3 : 8, i == 0 ? 12 : 8});
            shapes.put(p + ".bias", new long[] {i == 10 ? 3 : 8});
        }
        LayerChain.Chain c = LayerChain.infer(shapes, 12, 3);
        assertEquals("the order of their names", c.how());
        assertEquals("layers.0", c.prefixes().get(0));
        assertEquals("layers.2", c.prefixes().get(2));
        assertEquals("layers.10", c.prefixes().get(10));
        assertEquals(11, c.architecture().depth());
    }

    @Test
    void manyEqualLayersInNoChainingOrderAreNotSearchedButNamed() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("z.weight", new long[] {3, 8});   // the output layer first, names in no useful order
        for (int i = 0; i < 10; i++) shapes.put("h" + (char) ('a' + i) + ".weight", new long[] {8, 8});
        shapes.put("in.weight", new long[] {8, 12});
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerChain.infer(shapes, 12, 3));
        assertTrue((System.nanoTime() - t0) < 1_000_000_000L, "answered at once");
        assertTrue(e.getMessage().contains("too many to try every order") && e.getMessage().contains("--layers"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        List<String> order = new java.util.ArrayList<>(List.of("in"));
        for (int i = 0; i < 10; i++) order.add("h" + (char) ('a' + i));
        order.add("z");
        assertEquals(order, LayerChain.named(shapes, order, 12, 3).prefixes());
    }

    @Test
    void naturalOrderComparesDigitRunsAsNumbers() {
        assertTrue(LayerChain.compareNatural("layers.2.", "layers.10.") < 0);
        assertTrue(LayerChain.compareNatural("level1.1.", "level2.1.") < 0);
        assertTrue(LayerChain.compareNatural("fc", "fc1") < 0);
        assertEquals(0, LayerChain.compareNatural("a.3.", "a.3."));
    }
}
