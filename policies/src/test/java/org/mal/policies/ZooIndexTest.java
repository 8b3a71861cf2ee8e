package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.ModelCard;
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

    /** A zoo file of model {@code id} (small random weights, a card naming them) under the name {@code fileId}. */
    static void save(Path dir, String fileId, String id) throws Exception {
        org.mal.core.model.Architecture arch = org.mal.core.model.Architecture.mlp(4, List.of(3), 2);
        org.mal.core.model.Model m = org.mal.core.train.Trainer.initialWeights(arch, 7);
        ModelCard c = card(id, "mnist", 0.9);
        org.mal.core.model.ModelIO.save(dir.resolve(fileId + Zoo.EXTENSION), m, new ModelCard(id, arch, c.family(), c.dataset(), null,
                c.validation(), null, null, null, m.contentHash()));
    }

    @Test
    void aRenamedCopyIsSkippedNamingBothFilesAndTheModelStaysATarget(@TempDir Path dir) throws Exception {
        save(dir, "a", "a");
        save(dir, "backup", "a");   // cp a.safetensors backup.safetensors
        ZooIndex z = ZooIndex.from(new Zoo(dir));
        assertEquals(List.of("a"), z.cards().stream().map(ModelCard::id).toList());
        String why = z.skipped().get("backup");
        assertTrue(why.contains("backup.safetensors") && why.contains("a.safetensors") && why.contains("'a'"), why);

        java.nio.file.Files.delete(dir.resolve("a" + Zoo.EXTENSION));   // only the copy left: it cannot be read as 'a'
        z = ZooIndex.from(new Zoo(dir));
        assertEquals(0, z.size());
        assertTrue(z.skipped().get("backup").contains("rename the file to a.safetensors"), z.skipped().toString());
    }

    @Test
    void aModelWithoutACardIsSkippedSayingWhy(@TempDir Path dir) throws Exception {
        org.mal.core.model.Architecture arch = org.mal.core.model.Architecture.mlp(4, List.of(3), 2);
        org.mal.core.io.Safetensors.write(dir.resolve("imported" + Zoo.EXTENSION),
                org.mal.core.train.Trainer.initialWeights(arch, 1).params(), java.util.Map.of());
        ZooIndex z = ZooIndex.from(new Zoo(dir));
        assertEquals(0, z.size());
        assertTrue(z.skipped().get("imported").startsWith("imported without a task: run mal zoo import"), z.skipped().toString());
    }

    @Test
    void aCnnIsSkippedSayingTheSearchMergesMlpsOnly(@TempDir Path dir) throws Exception {
        org.mal.core.cnn.CnnArchitecture arch = org.mal.core.zoo.CnnZooArchitectures.of(org.mal.core.zoo.ZooSpec.Network.CNN, List.of(2), 1, 28, 28, 3);
        org.mal.core.cnn.CnnModel m = org.mal.core.train.CnnTrainer.initialWeights(arch, 1);
        ModelCard card = new ModelCard("conv", null, "custom", null, null, null, null, null, null,
                org.mal.core.model.Model.hashParams(m.params()), null, null, null, null, arch);
        org.mal.core.model.ModelIO.saveCnn(dir.resolve("conv" + Zoo.EXTENSION), m, card);
        ZooIndex z = ZooIndex.from(new Zoo(dir));
        assertEquals(0, z.size());
        assertEquals(ZooIndex.CNN, z.skipped().get("conv"));
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
