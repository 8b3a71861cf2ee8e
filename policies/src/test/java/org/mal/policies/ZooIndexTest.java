package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.zoo.Zoo;

class ZooIndexTest {

    @Test
    void cardsAreSortedByIdAndLookedUpById() {
        ZooIndex z = zoo();
        assertEquals(List.of("base", "f-deep", "f-narrow", "f-same", "m-strong", "m-weak", "weak-base"),
                z.cards().stream().map(c -> c.id()).toList());
        assertSame(F_DEEP, z.require("f-deep"));
        assertTrue(z.get("nope").isEmpty());
        assertTrue(assertThrows(RuntimeException.class, () -> z.require("nope")).getMessage().contains("f-deep"));
        assertThrows(IllegalArgumentException.class, () -> ZooIndex.of(List.of(BASE, BASE)));
    }

    @Test
    void unreadableZooEntriesAreSkippedWithTheReason(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("broken" + Zoo.EXTENSION), "not a safetensors file");
        ZooIndex z = ZooIndex.from(new Zoo(dir));
        assertEquals(0, z.size());
        assertTrue(z.skipped().containsKey("broken"));
        assertEquals(0, ZooIndex.from(new Zoo(dir.resolve("absent"))).size());
    }
}
