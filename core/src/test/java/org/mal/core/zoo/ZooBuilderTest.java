package org.mal.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.mal.core.data.Shards;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Model;
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
        int[] validation = CardRows.validation(TASKS.get("blobs").train(), card);
        assertEquals(100, validation.length, "a card from before shards names its validation rows too");
        assertEquals(400, CardRows.pool(TASKS.get("blobs").train(), card).length);
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
    void trainsACnnZooWhoseCardsDescribeTheNetworksAndLeavesMlpCardsAsTheyWere() throws IOException {
        ZooSpec cnn = ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = c, datasets = [images], networks = [cnn, resnet], families = [equal], depths = [2], widths = [3], seeds = 2
                  architectures = [ { family = custom, widths = [4], network = cnn } ]
                  training { optimizer = adam, learning-rates = [1e-2], epochs = 1, batch-size = 16, seed = 5, validation-fraction = 0.25, rows = 80 }
                }"""));
        TaskData images = Synthetic.gaussianBlobs("images", 200, 40, 784, 3, 4);
        Zoo zoo = new Zoo(dir.resolve("cnn"));
        ZooBuilder.Report report = new ZooBuilder(cnn, zoo, name -> images).build(new ZooBuilder.Listener() {});
        assertEquals(List.of("images-cnn-equal-3x3-s1", "images-cnn-equal-3x3-s2", "images-resnet-equal-3x3-s1", "images-resnet-equal-3x3-s2",
                "images-cnn-custom-4-s1", "images-cnn-custom-4-s2"), report.trained().stream().map(ModelCard::id).toList());
        ModelCard resnet = report.trained().get(2);
        assertTrue(resnet.convolutional());
        assertEquals(null, resnet.architecture(), "the MLP architecture field stays empty on a CNN's card");
        assertEquals(CnnZooArchitectures.of(ZooSpec.Network.RESNET, List.of(3, 3), 1, 28, 28, 3), resnet.cnn());
        assertEquals(60, resnet.train().samples(), "80 rows (zoo.training.rows), a quarter held out for validation");
        assertEquals(40, resnet.test().samples());
        org.mal.core.cnn.CnnModel model = org.mal.core.cnn.CnnIO.load(zoo.fileOf(resnet.id())).model();
        assertEquals(resnet.cnn(), model.architecture(), "CnnIO reads the zoo's files");
        assertEquals(resnet.weightsHash(), Model.hashParams(model.params()));
        assertEquals(resnet, ModelIO.readCard(zoo.fileOf(resnet.id())).orElseThrow(), "the card reads back as written");
        assertTrue(org.mal.core.cnn.CnnEvaluation.evaluate(model, images.test()).equals(resnet.test()), "the card's test metrics are the file's");
        org.junit.jupiter.api.Assertions.assertNotEquals(report.trained().get(0).weightsHash(), report.trained().get(1).weightsHash(),
                "two seeds give two models");
        List<Zoo.Entry> listed = zoo.list();
        assertEquals(6, listed.size());
        assertTrue(listed.stream().allMatch(e -> e.problem().isEmpty() && e.card().orElseThrow().convolutional() && e.architecture().isEmpty()));
        assertEquals(6, new ZooBuilder(cnn, zoo, name -> images).build(new ZooBuilder.Listener() {}).kept().size(), "kept, not retrained");

        // an MLP card is written exactly as before CNN cards existed: no "cnn" key
        ModelCard mlp = new ZooBuilder(spec(), new Zoo(dir.resolve("mlp")), TASKS::get).build(new ZooBuilder.Listener() {}).trained().get(0);
        assertTrue(!ModelIO.JSON.writeValueAsString(mlp).contains("\"cnn\""), ModelIO.JSON.writeValueAsString(mlp));
        assertTrue(!mlp.convolutional());
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

    /** With a learning rate too small to move them, trained weights are the initial ones: shared in a shared-init group only. */
    @Test
    void theShardsOfASharedInitGroupStartFromOneInitialisation() throws IOException {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = s, datasets = [blobs], families = [], depths = [], widths = []
                  architectures = [
                    { family = equal, widths = [4], shards { count = 2, iid = true, shared-init = true } }
                    { family = equal, widths = [4], shards { count = 2, iid = true } }
                  ]
                  training { optimizer = sgd, learning-rates = [1e-12], epochs = 1, batch-size = 32, seed = 5, validation-fraction = 0.25 }
                }"""));
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        new ZooBuilder(spec, zoo, TASKS::get).build(new ZooBuilder.Listener() {});
        java.util.function.Function<String, Model> load = id -> {
            try { return ModelIO.load(zoo.fileOf(id)).model(); } catch (IOException e) { throw new java.io.UncheckedIOException(e); }
        };
        Model s1 = load.apply("blobs-equal-4-iid-shared-1of2");
        Model s2 = load.apply("blobs-equal-4-iid-shared-2of2");
        Model o1 = load.apply("blobs-equal-4-iid-1of2");
        Model o2 = load.apply("blobs-equal-4-iid-2of2");
        assertTrue(maxDifference(s1, s2) < 1e-6, "one initialisation: " + maxDifference(s1, s2));
        assertTrue(maxDifference(o1, o2) > 1e-2, "each its own: " + maxDifference(o1, o2));
        ModelCard c1 = ModelIO.readCard(zoo.fileOf("blobs-equal-4-iid-shared-1of2")).orElseThrow();
        ModelCard c2 = ModelIO.readCard(zoo.fileOf("blobs-equal-4-iid-shared-2of2")).orElseThrow();
        long shared = spec.entries().stream().filter(e -> e.id().equals("blobs-equal-4-iid-shared-1of2")).findFirst().orElseThrow().initSeed(5);
        assertEquals(shared, c1.recipe().initSeed(), "the card names the shared seed");
        assertEquals(shared, c2.recipe().initSeed());
        assertTrue(c1.recipe().seed() != c2.recipe().seed(), "the batch order and validation split are still each model's own");
        assertEquals(null, ModelIO.readCard(zoo.fileOf("blobs-equal-4-iid-1of2")).orElseThrow().recipe().initSeed());
    }

    private static double maxDifference(Model a, Model b) {
        double max = 0;
        for (var e : a.params().entrySet()) {
            max = Math.max(max, e.getValue().sub(b.params().get(e.getKey())).amaxNumber().doubleValue());
        }
        return max;
    }

    private static ZooSpec sharded(String holdout) {
        return ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = s, datasets = [blobs, other], families = [], depths = [], widths = []
                  architectures = [
                    { family = equal, widths = [4], shards { count = 2, iid = true } }
                    { family = skewed, widths = [6], shards { count = 3, iid = false, alpha = 0.5, min-rows = 40 } }
                    { family = whole, widths = [5], shards = null }
                  ]
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 1, batch-size = 32, seed = 5, validation-fraction = 0.25
                    HOLDOUT }
                }""".replace("HOLDOUT", holdout)));
    }

    @Test
    void shardsAreDisjointCoverTheRowsNotHeldOutAndTheHoldoutIsTheSameForEveryModel() throws IOException {
        ZooSpec spec = sharded("holdout-rows = 50");
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        ZooBuilder builder = new ZooBuilder(spec, zoo, TASKS::get);
        ZooBuilder.Report report = builder.build(new ZooBuilder.Listener() {});
        assertEquals(12, report.trained().size(), "(2 + 3 shards + 1 whole) x 2 tasks");
        for (String task : List.of("blobs", "other")) {
            var train = TASKS.get(task).train();
            ZooHoldout holdout = ZooHoldout.of(train, 50, 5);
            int[] available = holdout.available(train.size());
            Map<String, List<int[]>> groups = new java.util.TreeMap<>();
            for (ZooSpec.Entry entry : spec.entries()) {
                if (!entry.dataset().equals(task)) continue;
                ModelCard card = ModelIO.readCard(zoo.fileOf(entry.id())).orElseThrow();
                assertEquals(holdout.card(train).withMetrics(card.holdout().metrics()), card.holdout(), entry.id() + ": the one holdout of the zoo");
                Model model = ModelIO.load(zoo.fileOf(entry.id())).model();
                assertEquals(org.mal.core.model.Evaluator.evaluate(model, holdout.dataset(train)), card.holdout().metrics(),
                        entry.id() + ": its accuracy on the held-out rows, measured on exactly those rows");
                assertEquals(50, card.holdout().rows());
                assertArrayEquals(holdout.rows(), ZooHoldout.of(train, card.holdout()).rows(), "the card's holdout can be drawn again");
                int[] rows = builder.rowsOf(entry, train).rows();
                for (int r : rows) assertTrue(java.util.Arrays.binarySearch(holdout.rows(), r) < 0, entry.id() + " trains on held-out row " + r);
                assertEquals(rows.length, card.train().samples() + card.validation().samples(), entry.id() + ": fit and validation come from its rows");
                assertEquals(Math.round(0.25 * rows.length), card.validation().samples());
                assertArrayEquals(rows, CardRows.pool(train, card), entry.id() + ": the card names its rows");
                int[] validation = CardRows.validation(train, card);
                assertEquals(card.validation().samples(), validation.length);
                assertTrue(CardRows.disjoint(validation, holdout.rows()), "validation rows are never held-out rows");
                assertTrue(CardRows.disjoint(validation, Shards.complement(train.size(), rows)), "validation rows come from the model's own rows");
                if (entry.shards() == null) {
                    assertEquals(null, card.shard());
                    assertArrayEquals(available, rows, "a model without shards trains on every row not held out");
                    continue;
                }
                ModelCard.Shard shard = card.shard();
                assertEquals(entry.shard() + 1, shard.index());
                assertEquals(entry.shards().count(), shard.count());
                assertEquals(entry.shards().iid(), shard.iid());
                assertEquals(entry.shards().alpha(), shard.alpha());
                assertEquals(rows.length, shard.rows());
                assertEquals(Shards.rowsHash(rows), shard.rowsHash());
                assertEquals(rows.length, shard.classCounts().stream().mapToInt(Integer::intValue).sum());
                groups.computeIfAbsent(entry.family(), k -> new ArrayList<>()).add(rows);
            }
            for (var group : groups.entrySet()) {
                int[] union = group.getValue().stream().flatMapToInt(java.util.Arrays::stream).sorted().toArray();
                assertArrayEquals(available, union, task + " " + group.getKey() + ": the shards are disjoint and cover the rows not held out");
            }
        }
    }

    @Test
    void withoutAHoldoutShardsCoverTheWholeTrainingSetAndUnshardedModelsTrainAsBefore() throws IOException {
        ZooSpec spec = sharded("");
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        ZooBuilder builder = new ZooBuilder(spec, zoo, TASKS::get);
        var train = TASKS.get("blobs").train();
        ZooSpec.Entry whole = spec.entries().stream().filter(e -> e.family().equals("whole")).findFirst().orElseThrow();
        assertEquals(null, builder.rowsOf(whole, train), "no holdout and no shards: the whole training set, as before");
        List<ZooSpec.Entry> equal = spec.entries().stream().filter(e -> e.dataset().equals("blobs") && e.family().equals("equal")).toList();
        int[] union = equal.stream().flatMapToInt(e -> java.util.Arrays.stream(builder.rowsOf(e, train).rows())).sorted().toArray();
        assertEquals(train.size(), union.length);
        for (int i = 0; i < union.length; i++) assertEquals(i, union[i]);
        assertEquals(null, builder.rowsOf(equal.get(0), train).holdout());
    }
}
