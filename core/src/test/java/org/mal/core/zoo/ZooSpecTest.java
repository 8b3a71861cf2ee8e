package org.mal.core.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.train.Optimizer;

class ZooSpecTest {
    /** The repository's conf folder, seen from the core module. */
    static final Path CONF = Path.of("..", "conf");

    private static final String SMALL = """
            zoo {
              name = small
              datasets = [blobs]
              families = [equal, pyramid]
              depths = [2, 3]
              widths = [8, 16]
              architectures = [ { widths = [8, 8] }, { family = odd, widths = [5] } ]
              training { optimizer = adam, learning-rates = [1e-2, 1e-3], epochs = 1, batch-size = 32, seed = 3, validation-fraction = 0.2 }
            }""";

    @Test
    void expandsFamiliesAndExplicitArchitecturesWithoutDuplicates() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString(SMALL));
        // equal: 8x8, 16x16, 8x8x8, 16x16x16; pyramid (depth 3 only): 8x16x8; explicit 8x8 is a duplicate; 5 is new
        assertEquals(List.of(List.of(8, 8), List.of(16, 16), List.of(8, 8, 8), List.of(16, 16, 16), List.of(8, 16, 8), List.of(5)),
                spec.architectures().stream().map(ZooSpec.Architectures::hiddenWidths).toList());
        assertEquals(List.of("blobs-equal-8x8", "blobs-equal-16x16", "blobs-equal-8x8x8", "blobs-equal-16x16x16",
                "blobs-pyramid-8x16x8", "blobs-odd-5"), spec.entries().stream().map(ZooSpec.Entry::id).toList());
        assertEquals(Optimizer.ADAM, spec.training().optimizer());
        assertEquals(List.of(1e-2, 1e-3), spec.training().learningRates());
    }

    @Test
    void entrySeedsDifferPerEntryAndAreStable() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString(SMALL));
        var seeds = new HashSet<Long>();
        for (ZooSpec.Entry e : spec.entries()) seeds.add(e.seed(3));
        assertEquals(spec.entries().size(), seeds.size());
        assertEquals(spec.entries().get(0).seed(3), ZooSpec.from(ConfigFactory.parseString(SMALL)).entries().get(0).seed(3));
    }

    @Test
    void theCnnZooConfigHasEveryFamilyAsPlainAndResidualNetsWithTwoSeedsAndMlpIdsStayAsTheyWere() {
        ZooSpec cnn = ZooSpec.from(ConfigFactory.parseFile(CONF.resolve("zoo-cnn.conf").toFile()).resolve());
        List<ZooSpec.Entry> entries = cnn.entries();
        assertEquals(48, entries.size(), "6 width lists (equal twice) x cnn/resnet x 2 tasks x 2 seeds");
        assertEquals(48, new HashSet<>(entries.stream().map(ZooSpec.Entry::id).toList()).size());
        assertEquals(new HashSet<>(List.of("equal", "wide-to-narrow", "narrow-to-wide", "pyramid", "inverse-pyramid")),
                new HashSet<>(entries.stream().map(ZooSpec.Entry::family).toList()));
        assertEquals("mnist-cnn-equal-8x8x8-s1", entries.get(0).id());
        assertEquals("mnist-resnet-equal-8x8x8-s2", entries.get(3).id());
        assertTrue(entries.stream().allMatch(e -> e.network().convolutional()));
        assertEquals(2000, cnn.training().rows());
        assertEquals(List.of(8, 8, 8), entries.get(0).hiddenWidths());
        ZooSpec.Entry pyramid = entries.stream().filter(e -> e.id().equals("fashion-mnist-resnet-pyramid-8x16x8-s1")).findFirst().orElseThrow();
        assertEquals(ZooSpec.Network.RESNET, pyramid.network());
        org.junit.jupiter.api.Assertions.assertNotEquals(pyramid.seed(1), entries.stream()
                .filter(e -> e.id().equals("fashion-mnist-resnet-pyramid-8x16x8-s2")).findFirst().orElseThrow().seed(1), "the two seeds differ");

        ZooSpec mlp = ZooSpec.from(ConfigFactory.parseFile(CONF.resolve("zoo-default.conf").toFile()).resolve());
        assertEquals("mnist-equal-32x32x32", mlp.entries().get(0).id(), "no network prefix or seed suffix on MLP ids");
        assertTrue(mlp.entries().stream().allMatch(e -> e.network() == ZooSpec.Network.MLP));
    }

    @Test
    void anUnknownNetworkOrABadSeedCountFailsWithItsPath() {
        var e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("depths = [2, 3]", "depths = [2, 3], networks = [cnn, transformer]"))));
        assertTrue(e.getMessage().contains("zoo.networks") && e.getMessage().contains("transformer"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(SMALL.replace("depths = [2, 3]", "depths = [2, 3], seeds = 0"))));
        assertTrue(e.getMessage().contains("zoo.seeds"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("{ widths = [8, 8] }", "{ widths = [8, 8], network = rnn }"))));
        assertTrue(e.getMessage().contains("zoo.architectures[0].network"), e.getMessage());
    }

    @Test
    void unknownKeysFailWithTheirPath() {
        var e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("epochs = 1", "epocs = 1"))));
        assertTrue(e.getMessage().contains("zoo.training.epocs"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("depths = [2, 3]", "depths = [2, 3]\ndepht = 4"))));
        assertTrue(e.getMessage().contains("zoo.depht"), e.getMessage());
    }

    @Test
    void mistypedAndMissingKeysFailWithTheirPath() {
        var e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("batch-size = 32", "batch-size = many"))));
        assertTrue(e.getMessage().contains("batch-size"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("seed = 3,", ""))));
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SMALL.replace("[equal, pyramid]", "[equal, diamond]"))));
        assertTrue(e.getMessage().contains("diamond"), e.getMessage());
    }

    @Test
    void thePaperZooHasThirtyArchitecturesOnTwoDatasets() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseFile(CONF.resolve("zoo-paper.conf").toFile()).resolve());
        assertEquals(30, spec.architectures().size());
        assertEquals(List.of("mnist", "fashion-mnist"), spec.datasets());
        assertEquals(60, spec.entries().size());
        assertEquals(List.of(1e-4, 1e-3), spec.training().learningRates());
        for (String family : List.of("equal", "wide-to-narrow", "narrow-to-wide", "pyramid", "inverse-pyramid")) {
            assertTrue(spec.architectures().stream().anyMatch(a -> a.family().equals(family)), family);
        }
    }

    @Test
    void theDefaultZooHasAboutADozenModelsOverBothDatasets() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseFile(CONF.resolve("zoo-default.conf").toFile()).resolve());
        assertTrue(spec.entries().size() >= 10 && spec.entries().size() <= 16, spec.entries().size() + " entries");
        assertEquals(List.of("mnist", "fashion-mnist"), spec.datasets());
        assertTrue(spec.architectures().stream().map(ZooSpec.Architectures::family).distinct().count() >= 3);
    }

    private static final String SHARDED = """
            zoo {
              name = sharded
              datasets = [blobs, other]
              families = [equal]
              depths = [2]
              widths = [256]
              shards { count = 2, iid = true }
              architectures = [
                { family = wide, widths = [512, 128], shards { count = 3, iid = false, alpha = 0.5 } }
                { family = whole, widths = [128], shards = null }
              ]
              training {
                optimizer = adam, learning-rates = [1e-3], epochs = 2, batch-size = 32, seed = 3, validation-fraction = 0.2
                holdout-rows = 50, dataset-epochs { other = 7 }
              }
            }""";

    @Test
    void shardsMakeOneEntryPerShardWithTheZoosDefaultOrTheirOwn() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString(SHARDED));
        assertEquals(List.of(
                "blobs-equal-256x256-iid-1of2", "blobs-equal-256x256-iid-2of2",
                "blobs-wide-512x128-dir0.5-1of3", "blobs-wide-512x128-dir0.5-2of3", "blobs-wide-512x128-dir0.5-3of3",
                "blobs-whole-128"), spec.entries().stream().filter(e -> e.dataset().equals("blobs")).map(ZooSpec.Entry::id).toList());
        assertEquals(12, spec.entries().size());
        ZooSpec.Entry e = spec.entries().get(3);
        assertEquals(ShardSpec.dirichlet(3, 0.5), e.shards());
        assertEquals(1, e.shard());
        assertEquals(null, spec.entries().get(5).shards(), "shards = null trains one model on all rows");
        assertEquals(50, spec.training().holdoutRows());
        assertEquals(2, spec.training().epochsFor("blobs"));
        assertEquals(7, spec.training().epochsFor("other"));
        assertEquals(7, spec.training().forDataset("other").epochs());
    }

    @Test
    void withoutTheNewKeysNothingIsShardedOrHeldOut() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString(SMALL));
        assertTrue(spec.entries().stream().allMatch(e -> e.shards() == null && e.shard() == 0));
        assertEquals(0, spec.training().holdoutRows());
        assertEquals(1, spec.training().epochsFor("blobs"));
    }

    @Test
    void badShardKeysFailWithTheirPath() {
        var e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SHARDED.replace("alpha = 0.5", "alfa = 0.5"))));
        assertTrue(e.getMessage().contains("zoo.architectures[0].shards.alfa"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SHARDED.replace(", alpha = 0.5", ""))));
        assertTrue(e.getMessage().contains("zoo.architectures[0].shards") && e.getMessage().contains("alpha"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SHARDED.replace("count = 2", "count = 1"))));
        assertTrue(e.getMessage().contains("zoo.shards"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SHARDED.replace("other = 7", "another = 7"))));
        assertTrue(e.getMessage().contains("zoo.training.dataset-epochs.another"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ZooSpec.from(ConfigFactory.parseString(
                SHARDED.replace("holdout-rows = 50", "holdout-rows = -1"))));
        assertTrue(e.getMessage().contains("zoo.training.holdout-rows"), e.getMessage());
    }

    @Test
    void theGainZooHasAtLeastTwelveWideShardedModelsPerTaskBothIidAndNot() {
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseFile(CONF.resolve("zoo-gain.conf").toFile()).resolve());
        for (String task : List.of("mnist", "fashion-mnist")) {
            List<ZooSpec.Entry> entries = spec.entries().stream().filter(e -> e.dataset().equals(task)).toList();
            assertTrue(entries.size() >= 12, task + ": " + entries.size());
            assertTrue(entries.stream().anyMatch(e -> e.shards() != null && e.shards().iid()), task + " has IID shards");
            assertTrue(entries.stream().anyMatch(e -> e.shards() != null && !e.shards().iid()), task + " has non-IID shards");
            assertTrue(entries.stream().flatMap(e -> e.hiddenWidths().stream()).allMatch(w -> w >= 128 && w <= 512));
            assertTrue(entries.stream().map(ZooSpec.Entry::family).distinct().count() >= 3);
        }
        assertTrue(spec.training().holdoutRows() > 0);
    }
}
