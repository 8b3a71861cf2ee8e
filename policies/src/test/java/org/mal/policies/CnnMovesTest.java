package org.mal.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.align.LayerMap;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.config.Settings;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.CnnZooArchitectures;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooSpec;
import org.mal.policies.laws.FeatureMaps;

/** Issue 21: the policies' side of a search over CNNs: the zoo index, candidates, move features and the feature-maps law. */
class CnnMovesTest {
    static ModelCard cnn(String id, String task, ZooSpec.Network n, Integer... widths) {
        CnnArchitecture arch = CnnZooArchitectures.of(n, List.of(widths), 1, 28, 28, 10);
        return new ModelCard(id, null, "custom", new ModelCard.DatasetRef(task, task + "-train", "th", task + "-test", "eh"), null,
                new Metrics(0.5, 0.8, 1000), null, null, null, "hash-" + id, null, null, null, null, arch);
    }

    static final ModelCard BASE = cnn("base", "mnist", ZooSpec.Network.CNN, 8, 16, 16);
    static final ModelCard PLAIN_OTHER_WIDTHS = cnn("plain-16x8x8", "mnist", ZooSpec.Network.CNN, 16, 8, 8);
    static final ModelCard RESNET = cnn("resnet-8x16x16", "mnist", ZooSpec.Network.RESNET, 8, 16, 16);
    static final ModelCard MLP = Fixtures.card("an-mlp", "mnist", 0.9, 64, 32);

    static Candidates candidates(String hocon) { return Candidates.from(Settings.of(com.typesafe.config.ConfigFactory.parseString(hocon), "policy.candidates")); }

    @Test
    void aCnnBaseGetsTheWholeNetworkFirstThenConvMapsOnlyAndNothingFromAnMlp() {
        PolicyContext ctx = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, PLAIN_OTHER_WIDTHS, RESNET)));
        Candidates c = candidates("max-per-target = 64");
        List<String> plain = c.generateFor(ctx, PLAIN_OTHER_WIDTHS).stream().map(Move::layerMap).toList();
        assertEquals("0:0,1:1,2:2,3:3", plain.get(0), "the whole network (other channel counts) first: " + plain);
        for (String m : plain.subList(1, plain.size())) assertFalse(m.contains("3:"), "the head is merged in whole moves only: " + m);
        assertTrue(plain.contains("0:0") && plain.contains("2:1") && plain.contains("1:2"), "single convs at other depths: " + plain);
        assertFalse(plain.contains("0:1") || plain.contains("1:0"), "the first conv reads the image, the others channels: " + plain);
        // a plain base and a residual target share only the stem (both read the image); no whole move between other structures
        assertEquals(List.of("0:0"), c.generateFor(ctx, RESNET).stream().map(Move::layerMap).toList());
        assertEquals(List.of(), c.generateFor(ctx, MLP), "a CNN base merges no MLP");
        assertEquals(List.of(), c.generateFor(new PolicyContext(MLP, ZooIndex.of(List.of(MLP))), BASE), "an MLP base merges no CNN");
        assertEquals(2, candidates("max-per-target = 2").generateFor(ctx, PLAIN_OTHER_WIDTHS).size(), "the cap counts mergeable maps");
        assertEquals(List.of(), candidates("max-per-target = 2, soup-size = 2").generate(ctx).stream().filter(m -> !m.soup().isEmpty()).toList(),
                "no CNN soups");
    }

    @Test
    void cnnMoveFeaturesGiveChannelRatiosSpatialSizesAndLayerKinds() {
        MoveFeatures f = MoveFeatures.of(BASE, PLAIN_OTHER_WIDTHS, LayerMap.parse("1:2,0:0"));
        assertTrue(f.convolutional());
        assertEquals(4, f.baseDepth(), "three convs and the head");
        MoveFeatures.LayerFeature first = f.layers().get(0);
        assertEquals(2.0, first.widthRatio(), "16 channels for 8");
        assertEquals(28, first.baseSpatial());
        assertEquals(MoveFeatures.LayerKind.CONV, first.baseKind());
        MoveFeatures.LayerFeature second = f.layers().get(1);
        assertEquals(14, second.baseSpatial(), "the base's second conv sees 14x14 maps");
        assertEquals(7, second.targetSpatial(), "the target's third conv sees 7x7 maps");
        assertEquals(0.5, second.spatialRatio());
        assertEquals(0.5, second.widthRatio(), "8 channels for 16");
        assertEquals(MoveFeatures.ShapeRelation.NARROWER, second.shape());
        MoveFeatures whole = MoveFeatures.of(RESNET, cnn("r2", "fashion", ZooSpec.Network.RESNET, 8, 16, 16), LayerMap.identity(4));
        assertEquals(0.5, whole.residualShare(), "two of four layers are residual blocks");
        assertFalse(whole.sameDataset());
        assertEquals(MoveFeatures.LayerKind.LINEAR, whole.layers().get(3).baseKind());
        assertFalse(MoveFeatures.of(Fixtures.BASE, Fixtures.M_STRONG, LayerMap.parse("0:0")).convolutional(), "MLP moves are dense");
        assertThrows(IllegalArgumentException.class, () -> MoveFeatures.of(BASE, MLP, LayerMap.parse("0:0")));
    }

    @Test
    void theFeatureMapsLawKeepsMapsOfOneSizeAndPutsEqualChannelsAndWholeNetworksFirst() {
        FeatureMaps law = new FeatureMaps(true);
        PolicyContext ctx = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, PLAIN_OTHER_WIDTHS)));
        Move whole = new Move("base", PLAIN_OTHER_WIDTHS.id(), "0:0,1:1,2:2,3:3", "weight", null, "convex", null, "fixed", null);
        Move sameSize = whole.withLayerMap(LayerMap.parse("1:1"));
        Move resized = whole.withLayerMap(LayerMap.parse("1:2"));
        assertTrue(law.admits(sameSize, ctx.features(sameSize), ctx));
        assertFalse(law.admits(resized, ctx.features(resized), ctx), "14x14 maps do not take filters trained on 7x7 maps");
        assertTrue(new FeatureMaps(false).admits(resized, ctx.features(resized), ctx));
        assertTrue(law.score(whole, ctx.features(whole), ctx) > law.score(sameSize, ctx.features(sameSize), ctx), "whole networks first");
        Move equalChannels = new Move("base", "twin", "1:1", "weight", null, "convex", null, "fixed", null);
        PolicyContext twin = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, cnn("twin", "mnist", ZooSpec.Network.CNN, 8, 16, 16))));
        assertTrue(law.score(equalChannels, twin.features(equalChannels), twin) > law.score(sameSize, ctx.features(sameSize), ctx),
                "equal channel counts before twice or half as many");
        PolicyContext mlp = Fixtures.ctx();
        Move dense = new Move("base", "m-strong", "0:0", "weight", null, "convex", null, "fixed", null);
        assertTrue(law.admits(dense, mlp.features(dense), mlp));
        assertEquals(0.0, law.score(dense, mlp.features(dense), mlp), "MLP moves are left alone");
    }

    @Test
    void aCnnSearchsIndexHoldsCnnsAndSkipsMlpsSayingWhy(@TempDir Path dir) throws Exception {
        CnnArchitecture arch = CnnZooArchitectures.of(ZooSpec.Network.CNN, List.of(2), 1, 28, 28, 3);
        org.mal.core.cnn.CnnModel m = org.mal.core.train.CnnTrainer.initialWeights(arch, 1);
        org.mal.core.model.ModelIO.saveCnn(dir.resolve("conv" + Zoo.EXTENSION), m, new ModelCard("conv", null, "custom", null, null, null, null, null,
                null, org.mal.core.model.Model.hashParams(m.params()), null, null, null, null, arch));
        org.mal.core.model.Architecture a = org.mal.core.model.Architecture.mlp(4, List.of(3), 2);
        org.mal.core.model.Model mlp = org.mal.core.train.Trainer.initialWeights(a, 1);
        org.mal.core.model.ModelIO.save(dir.resolve("dense" + Zoo.EXTENSION), mlp, new ModelCard("dense", a, "custom", null, null, null, null, null,
                null, mlp.contentHash()));
        Zoo zoo = new Zoo(dir);
        ZooIndex cnns = ZooIndex.forBase(zoo, ZooIndex.from(zoo, true).require("conv"));
        assertTrue(cnns.convolutional());
        assertEquals(List.of("conv"), cnns.cards().stream().map(ModelCard::id).toList());
        assertEquals(ZooIndex.MLP, cnns.skipped().get("dense"));
        ZooIndex mlps = ZooIndex.from(zoo);
        assertEquals(List.of("dense"), mlps.cards().stream().map(ModelCard::id).toList());
        assertEquals(ZooIndex.CNN, mlps.skipped().get("conv"));
        assertTrue(cnns.without(java.util.Map.of("conv", "gone")).convolutional(), "an index keeps its kind");
    }

    @Test
    void theLearningLawReadsChannelRatiosSpatialSizesAndLayerKindsOfCnnMoves() {
        var law = new org.mal.policies.laws.Experience("base-accuracy", 0.0, 1.0, true, "ridge", 2.0,
                List.of("channel-ratio", "spatial", "layer-kind", "target-architecture"), 0);
        PolicyContext ctx = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, PLAIN_OTHER_WIDTHS, RESNET)));
        Move m = new Move("base", PLAIN_OTHER_WIDTHS.id(), "0:0,1:2", "weight", null, "convex", null, "fixed", null);
        assertEquals(List.of("channel-ratio:x1", "spatial:28<-28,14<-7", "layer-kind:conv,conv",
                "target-architecture:" + String.join(",", PLAIN_OTHER_WIDTHS.cnn().layers().stream().filter(l -> l.hasParams()).map(l -> l.describe()).toList())),
                law.ridgeFeatures(m, ctx.features(m), ctx), "16/8 and 8/16 channels: a geometric mean of 1");
        Move stem = new Move("base", RESNET.id(), "0:0", "weight", null, "convex", null, "fixed", null);
        assertEquals("layer-kind:conv", law.ridgeFeatures(stem, ctx.features(stem), ctx).get(2));
        Move doubled = new Move("base", PLAIN_OTHER_WIDTHS.id(), "0:0", "weight", null, "convex", null, "fixed", null);
        assertEquals("channel-ratio:x2", law.ridgeFeatures(doubled, ctx.features(doubled), ctx).get(0));
        PolicyContext r = new PolicyContext(RESNET, ZooIndex.of(List.of(RESNET, cnn("r2", "mnist", ZooSpec.Network.RESNET, 16, 32, 32))));
        Move whole = new Move(RESNET.id(), "r2", "0:0,1:1,2:2,3:3", "weight", null, "convex", null, "fixed", null);
        assertEquals("layer-kind:conv,residual,residual,linear", law.ridgeFeatures(whole, r.features(whole), r).get(2));
        assertTrue(org.mal.policies.laws.Experience.arm(r.features(whole)).endsWith("/residual/same-size"), org.mal.policies.laws.Experience.arm(r.features(whole)));
    }
}
