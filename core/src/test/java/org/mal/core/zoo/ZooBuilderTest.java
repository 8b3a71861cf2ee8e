package org.mal.core.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;

class ZooBuilderTest {
    @TempDir Path dir;

    private static final Map<String, TaskData> TASKS = Map.of(
            "blobs", Synthetic.gaussianBlobs("blobs", 400, 200, 10, 3, 1),
            "other", Synthetic.gaussianBlobs("other", 400, 200, 10, 3, 2));

    private static ZooSpec spec() {
        return ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = t, datasets = [blobs, other], families = [equal, wide-to-narrow], depths = [2], widths = [4, 8]
                  architectures = []
                  training { optimizer = adam, learning-rates = [1e-3, 3e-2], epochs = 2, batch-size = 32, seed = 5, validation-fraction = 0.25 }
                }"""));
    }

    @Test
    void trainsEveryEntryOnceAndKeepsThemAfterwards() throws IOException {
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        List<String> loaded = new ArrayList<>();
        ZooBuilder.Report first = new ZooBuilder(spec(), zoo, name -> { loaded.add(name); return TASKS.get(name); })
                .build(new ZooBuilder.Listener() {});
        assertEquals(6, first.trained().size(), "equal 4x4, 8x8 and wide-to-narrow 8x4 on two datasets");
        assertEquals(0, first.kept().size());

        ModelCard card = first.trained().get(0);
        assertEquals("blobs-equal-4x4", card.id());
        assertEquals("blobs", card.dataset().task());
        assertEquals(300, card.train().samples(), "a quarter of 400 rows is held out");
        assertEquals(100, card.validation().samples());
        assertEquals(200, card.test().samples());
        assertEquals(List.of(1e-3, 3e-2), card.recipe().learningRatesTried());
        assertTrue(card.test().accuracy() > 0.5, "learned something: " + card.test());
        assertEquals(card, ModelIO.load(zoo.fileOf(card.id())).card().orElseThrow());

        List<Zoo.Entry> listed = zoo.list();
        assertEquals(6, listed.size());
        assertTrue(listed.stream().allMatch(e -> e.problem().isEmpty() && e.card().isPresent()));

        ZooBuilder.Report second = new ZooBuilder(spec(), zoo, TASKS::get).build(new ZooBuilder.Listener() {});
        assertEquals(0, second.trained().size());
        assertEquals(6, second.kept().size());
        assertEquals(first.trained(), second.kept(), "kept entries are the ones trained before, untouched");
    }

    @Test
    void theBetterLearningRateOnValidationIsKept() throws IOException {
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        new ZooBuilder(spec(), zoo, TASKS::get).build(new ZooBuilder.Listener() {});
        for (Zoo.Entry e : zoo.list()) {
            // with 2 epochs of ~10 steps, 1e-3 barely moves the weights; 3e-2 learns the blobs
            assertEquals(3e-2, e.card().orElseThrow().recipe().learningRate(), e.id());
        }
    }

    @Test
    void anUnreadableExistingEntryStopsTheBuildAndIsNotOverwritten() throws IOException {
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        Files.createDirectories(zoo.dir());
        Path broken = zoo.fileOf("blobs-equal-4x4");
        Files.writeString(broken, "not a model");
        IOException e = assertThrows(IOException.class, () -> new ZooBuilder(spec(), zoo, TASKS::get).build(new ZooBuilder.Listener() {}));
        assertTrue(e.getMessage().contains("blobs-equal-4x4"), e.getMessage());
        assertEquals("not a model", Files.readString(broken));
        Zoo.Entry listed = zoo.list().get(0);
        assertTrue(listed.problem().isPresent(), "listing reports the unreadable file");
    }
}
