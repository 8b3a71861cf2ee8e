package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Zip;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Repair;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Issue 21: ZipIt! on channels ({@link CnnZip}). Float64 nets; images from {@link CnnChannelMatchingTest#spread}. */
class CnnZipTest {
    static final double[] LAMBDAS = CnnChannelMatchingTest.LAMBDAS;
    static final INDArray ALIGN = CnnChannelMatchingTest.spread(40, 77);
    static final INDArray CHECK = CnnChannelMatchingTest.spread(6, 99);

    static CnnAlignment zip(CnnModel base, CnnModel target, Zip.Settings s) {
        return CnnZip.align(base, target, ALIGN, 16, s);
    }

    /**
     * The activation points (group#k) where a channel of {@code m} is constant on {@link #ALIGN}. Such a
     * channel correlates 0 with everything and may be zipped into any base channel (ZipIt's rule, as
     * MAL's MLP zip), so the exactness checks need nets without them; the fixtures assert it.
     */
    static List<String> constantChannels(CnnModel m) {
        List<String> out = new java.util.ArrayList<>();
        CnnActivationMatching.read(m, ALIGN, (key, a) -> {
            double[] sd = a.std(0).toDoubleVector();
            for (int c = 0; c < sd.length; c++) if (sd[c] < 1e-6) out.add(key + " channel " + c);
        });
        return out;
    }

    static CnnModel live(CnnModel m) {
        assertEquals(List.of(), constantChannels(m), m.architecture().describe() + " has constant channels on the zip images");
        return m;
    }

    static List<CnnModel> nets(long seed) {
        return List.of(live(CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), seed, DataType.DOUBLE))),
                live(CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.pooled(5, 7), seed + 1, DataType.DOUBLE))),
                live(CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), seed + 2, DataType.DOUBLE))));
    }

    @Test
    void zippingAModelWithItselfGivesItBack() {
        for (CnnModel m : nets(7)) {
            CnnAlignment a = zip(m, m, Zip.Settings.DEFAULT);
            a.zipGroups().forEach((g, z) -> {
                for (int p = 0; p < z.length; p++) assertArrayEquals(new int[] {p}, z[p], m.architecture().describe() + " " + g + " channel " + p);
            });
            CnnModel back = CnnTransplant.aligned(m, m, a);
            m.params().forEach((name, t) -> assertTrue(CnnTestNets.maxAbsDiff(t, back.params().get(name)) <= 1e-6, name));
            assertTrue(CnnTestNets.maxAbsDiff(m.logits(CHECK), back.logits(CHECK)) <= 1e-6);
            assertEquals(a.objectiveBefore(), a.objectiveAfter(), 1e-9 * Math.abs(a.objectiveBefore()), "the naive match is the identity here");
        }
    }

    @Test
    void aPermutedCopyWithBudgetZeroMergesToTheBasesFunctionAtEveryLambda() {
        for (CnnModel base : nets(10)) {
            Map<String, int[]> perms = CnnTestNets.randomPerms(base.architecture(), 11);
            CnnModel target = base.permuted(perms);
            CnnAlignment a = zip(base, target, new Zip.Settings(0.5, 0));
            // base channel p receives the target channel that holds it: perm[j] = p
            perms.forEach((g, perm) -> {
                int[][] z = a.zip(g);
                for (int j = 0; j < perm.length; j++) assertArrayEquals(new int[] {j}, z[perm[j]], g);
            });
            CnnModel aligned = CnnTransplant.aligned(base, target, a);
            INDArray want = base.logits(CHECK);
            for (double lambda : LAMBDAS) {
                double diff = CnnTestNets.maxAbsDiff(want, CnnMerge.convex(base, aligned, lambda).logits(CHECK));
                assertTrue(diff <= 1e-6, base.architecture().describe() + " at λ " + lambda + ": " + diff);
            }
            assertSame(base, CnnMerge.convex(base, aligned, 0));
            // and not vacuously: the naive merge of the permuted copy is not the base
            CnnModel naive = CnnTransplant.aligned(base, target, CnnChannelMatching.naive(base, target));
            assertTrue(CnnTestNets.maxAbsDiff(want, CnnMerge.convex(base, naive, 0.5).logits(CHECK)) > 1e-3);
        }
    }

    /**
     * {@code m} with channel {@code k} of each group {@code g} of {@code dups} copied as a new last channel
     * ({@code wide}: the architecture with those groups one larger): the copy has the same incoming tensors
     * (conv rows, batch norm), and every layer that reads the group reads channel {@code k} with weight
     * {@code alpha} and the copy with {@code 1 − alpha}: the same function, with two channels that are
     * exactly equal. (Groups act on different axes, so the copies commute.)
     */
    static CnnModel withDuplicates(CnnModel m, CnnArchitecture wide, Map<String, Integer> dups, double alpha) {
        Map<String, INDArray> params = new LinkedHashMap<>(m.params());
        dups.forEach((g, k) -> {
            int n = m.architecture().permutationSpec().sizes().get(g);
            assertEquals(n + 1, wide.permutationSpec().sizes().get(g));
            int[] index = new int[n + 1];
            for (int i = 0; i < n; i++) index[i] = i;
            index[n] = k;
            for (CnnPermutationSpec.AxisRef r : wide.permutationSpec().groups().get(g)) {
                INDArray t = CnnTransplant.gather(params.get(r.param()), r.axis(), CnnTransplant.expand(index, r.block()));
                if (r.axis() == 1) {
                    double[] scale = new double[(n + 1) * r.block()];
                    Arrays.fill(scale, 1);
                    for (int j = 0; j < r.block(); j++) {
                        scale[k * r.block() + j] = alpha;
                        scale[n * r.block() + j] = 1 - alpha;
                    }
                    t = CnnZip.apply(t, 1, Nd4j.diag(Nd4j.createFromArray(scale)));
                }
                params.put(r.param(), t);
            }
        });
        return new CnnModel(wide, params);
    }

    /** {@code m} with Gaussian noise of scale {@code eps} on every float tensor (variances stay positive). */
    static CnnModel noisy(CnnModel m, double eps, long seed) {
        Random random = new Random(seed);
        Map<String, INDArray> params = new LinkedHashMap<>();
        m.params().forEach((name, t) -> {
            if (t.dataType() == DataType.INT64) {
                params.put(name, t);
                return;
            }
            double[] v = t.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int i = 0; i < v.length; i++) v[i] += eps * random.nextGaussian();
            params.put(name, Nd4j.create(v, t.shape(), DataType.DOUBLE));
        });
        return new CnnModel(m.architecture(), params);
    }

    /**
     * The target is {@code m} with channel {@code k} of each group {@code g} of {@code dups} duplicated,
     * then permuted; the base is {@code m} with a little noise (so no base channel correlates exactly 1
     * with a target channel, and the duplicates, which do, are zipped with each other first: a
     * within-model merge). Both duplicates land in base channel {@code k}, every other base channel gets
     * one target channel, and the merge at λ = 1 is the target's function; λ = 0 is the base.
     */
    private static void checkDuplicates(CnnModel m, CnnArchitecture wide, Map<String, Integer> dups, String what) {
        CnnModel base = noisy(m, 1e-3, 5);
        Map<String, int[]> perms = CnnTestNets.randomPerms(wide, 6);
        CnnModel target = withDuplicates(m, wide, dups, 0.3).permuted(perms);
        assertTrue(CnnTestNets.maxAbsDiff(m.logits(CHECK), target.logits(CHECK)) <= 1e-9, what + ": the planted target computes m");
        CnnAlignment a = zip(base, target, Zip.Settings.DEFAULT);
        a.zipGroups().forEach((group, z) -> {
            Integer k = dups.get(group);
            int[] where = new int[z.length + (k == null ? 0 : 1)];
            int[] perm = perms.get(group);
            for (int j = 0; j < perm.length; j++) where[perm[j]] = j;
            for (int p = 0; p < z.length; p++) {
                if (k != null && p == k) {
                    int[] both = {where[k], where[z.length]};
                    Arrays.sort(both);
                    assertArrayEquals(both, z[p], what + ": the duplicates of " + group + " share base channel " + k + "; " + a);
                } else {
                    assertEquals(1, z[p].length, what + ": " + group + " base channel " + p + " gets " + Arrays.toString(z[p]));
                }
            }
        });
        CnnModel aligned = CnnTransplant.aligned(base, target, a);
        assertEquals(base.architecture(), aligned.architecture());
        double diff = CnnTestNets.maxAbsDiff(target.logits(CHECK), CnnMerge.convex(base, aligned, 1).logits(CHECK));
        assertTrue(diff <= 1e-6, what + ": the merge at λ = 1 is not the target's function: " + diff);
        assertSame(base, CnnMerge.convex(base, aligned, 0));
        // not vacuous: weight matching keeps one channel per base channel, so a duplicate's share of the outgoing weights is lost
        CnnModel matched = CnnTransplant.aligned(base, target, CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT));
        assertTrue(CnnTestNets.maxAbsDiff(target.logits(CHECK), CnnMerge.convex(base, matched, 1).logits(CHECK)) > 1e-4, what + ": dropping a duplicate changes nothing");
    }

    @Test
    void plantedDuplicateChannelsAreZippedTogetherAndTheMergeAtOneKeepsTheTargetsFunction() {
        CnnModel plain = live(CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 15, DataType.DOUBLE)));
        checkDuplicates(plain, CnnTestNets.plain(7, 8, 5, 7), Map.of("P_0", 2), "plain, first conv (batch norm)");
        checkDuplicates(plain, CnnTestNets.plain(6, 8, 6, 8), Map.of("P_8", 1, "P_11", 4), "plain, the conv before the flatten (3x3 blocks) and the hidden linear");
        CnnModel res = live(CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 21, DataType.DOUBLE)));
        // a stage's width is its stream's and its blocks' inner width
        checkDuplicates(res, CnnTestNets.resnet(5, 6), Map.of("P_0", 3, "P_3.inner", 1), "resnet, the first stage (stream and inner)");
        checkDuplicates(res, CnnTestNets.resnet(4, 7), Map.of("P_4", 5, "P_4.inner", 0, "P_5.inner", 2), "resnet, the projection stage");
    }

    @Test
    void otherWidthsGiveTensorsOfTheBasesShapes() {
        CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 30, DataType.DOUBLE));
        CnnModel rbase = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 31, DataType.DOUBLE));
        List<CnnModel[]> pairs = List.of(
                new CnnModel[] {base, CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(9, 11, 7, 10), 32, DataType.DOUBLE))},
                new CnnModel[] {base, CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(4, 5, 3, 4), 33, DataType.DOUBLE))},
                new CnnModel[] {base, CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(9, 5, 7, 4), 34, DataType.DOUBLE))},
                new CnnModel[] {rbase, CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(7, 9), 35, DataType.DOUBLE))},
                new CnnModel[] {rbase, CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(3, 4), 36, DataType.DOUBLE))});
        for (CnnModel[] p : pairs) {
            String what = p[0].architecture().describe() + " <- " + p[1].architecture().describe();
            CnnAlignment a = zip(p[0], p[1], Zip.Settings.DEFAULT);
            Map<String, Integer> na = p[0].architecture().permutationSpec().sizes();
            Map<String, Integer> nb = p[1].architecture().permutationSpec().sizes();
            na.forEach((g, n) -> {
                int[][] z = a.zip(g);
                assertEquals(n, z.length, what + " " + g);
                // every target channel is zipped into exactly one base channel; a narrower target leaves base channels empty
                int[] seen = new int[nb.get(g)];
                int empty = 0;
                for (int[] members : z) {
                    for (int t : members) seen[t]++;
                    if (members.length == 0) empty++;
                }
                for (int t = 0; t < seen.length; t++) assertEquals(1, seen[t], what + " " + g + " target channel " + t);
                assertTrue(empty >= n - nb.get(g), what + " " + g + ": " + empty + " empty base channels");
            });
            CnnModel aligned = CnnTransplant.aligned(p[0], p[1], a);
            assertEquals(p[0].architecture(), aligned.architecture());
            p[0].params().forEach((name, t) -> assertArrayEquals(t.shape(), aligned.params().get(name).shape(), what + " " + name));
            for (double lambda : LAMBDAS) {
                INDArray z = CnnMerge.convex(p[0], aligned, lambda).logits(CHECK);
                assertTrue(Arrays.stream(z.castTo(DataType.DOUBLE).dup('c').data().asDouble()).allMatch(Double::isFinite), what + " at λ " + lambda);
            }
            assertSame(p[0], CnnMerge.convex(p[0], aligned, 0));
            assertTrue(CnnTestNets.maxAbsDiff(p[0].logits(CHECK), CnnMerge.convex(p[0], aligned, 0.5).logits(CHECK)) > 1e-6, what + ": the target has a say");
        }
    }

    /** {@link CnnRepairTest#oneByOne} nets with the images as {@link Dataset} rows (float features, as MAL's data). */
    private static Dataset rows(INDArray x) {
        int n = (int) x.rows();
        int f = (int) x.columns();
        float[] v = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        return new Dataset("rows", f, 2, v, new int[n]);
    }

    @Test
    void equalsMalsMlpZipAndZipRepairOnACnnOfOneByOneConvolutions() {
        // widths differ both ways: group 0 narrower in the target (9 vs 7), group 1 wider (5 vs 8)
        CnnModel base = CnnTestNets.random(CnnRepairTest.oneByOne(12, 9, 5, 4), 41, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(CnnRepairTest.oneByOne(12, 7, 8, 4), 42, DataType.DOUBLE);
        Dataset data = rows(CnnRepairTest.rows(300, 12, 43));
        INDArray x = data.features(0, data.size()).castTo(DataType.DOUBLE);
        Zip.Settings s = new Zip.Settings(0.6, 0.4);
        CnnAlignment a = CnnZip.align(base, target, x, 64, s);
        Model mb = CnnRepairTest.asMlp(base);
        Model mt = CnnRepairTest.asMlp(target);
        List<int[][]> groups = Zip.groups(mb, mt, data, s);
        for (int l = 0; l < 2; l++) {
            int[][] want = groups.get(l);
            int[][] got = a.zip(l == 0 ? "P_0" : "P_2");
            for (int p = 0; p < want.length; p++) assertArrayEquals(want[p], got[p], "layer " + l + " base unit " + p);
        }
        assertTrue(Arrays.stream(a.zip("P_2")).anyMatch(z -> z.length > 1), "the wider target's units are zipped several into one");
        Model aligned = CnnRepairTest.asMlp(CnnTransplant.aligned(base, target, a));
        Map<String, INDArray> want = Zip.alignedTensors(mb, mt, groups);
        want.forEach((name, t) -> assertTrue(CnnTestNets.maxAbsDiff(t, aligned.params().get(name)) <= 1e-12, name));
        // REPAIR of the zip: the targets are the averaged channels' statistics, as MAL's MLP REPAIR for zip
        DoubleFunction<CnnModel> cnn = CnnRepair.curve(base, target, a, CnnRepair.Correction.REPAIR, x, 64);
        DoubleFunction<Model> mlp = Repair.measured(mb, Repair.View.zipped(mt, groups, x), aligned.params(), x);
        for (double lambda : new double[] {0.25, 0.5, 1}) {
            Model w = mlp.apply(lambda);
            Model g = CnnRepairTest.asMlp(cnn.apply(lambda));
            w.params().forEach((name, t) -> assertTrue(CnnTestNets.maxAbsDiff(t, g.params().get(name)) <= 1e-9, "λ " + lambda + " " + name));
        }
    }

    @Test
    void registeredAsZipAndBadUseIsRefusedByName() {
        assertTrue(CnnAligner.NAMES.contains("zip"));
        CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.pooled(5, 7), 50, DataType.DOUBLE));
        CnnModel target = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.pooled(6, 6), 51, DataType.DOUBLE));
        CnnAlignment byName = CnnAligner.of("zip").align(base, target, ALIGN);
        CnnAlignment direct = CnnZip.align(base, target, ALIGN, 250, Zip.Settings.DEFAULT);
        assertEquals(direct.zipGroups().keySet(), byName.zipGroups().keySet());
        direct.zipGroups().forEach((g, z) -> assertTrue(Arrays.deepEquals(z, byName.zip(g)), g));
        assertEquals("zip:40", byName.method());
        var e = assertThrows(IllegalArgumentException.class, () -> CnnAligner.of("zip").align(base, target, null));
        assertEquals("zip needs training images", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> byName.match("P_0"));
        assertTrue(e.getMessage().contains("no one-to-one match"), e.getMessage());
        Map<String, int[][]> bad = new LinkedHashMap<>(byName.zipGroups());
        int[][] twice = byName.zip("P_0");
        twice[1] = twice[0];
        bad.put("P_0", twice);
        e = assertThrows(IllegalArgumentException.class, () -> CnnZip.aligned(base, target, bad));
        assertTrue(e.getMessage().contains("zipped into two base channels"), e.getMessage());
        // a layer map between other structures takes naive or weight
        CnnPairing.Layers layers = new CnnPairing.Layers(List.of(new CnnLayerMap.Pair(3, 3)), List.of());
        e = assertThrows(IllegalArgumentException.class, () -> CnnPairing.curve(base, target, layers, "zip", CnnRepair.Correction.NONE, ALIGN, 16));
        assertTrue(e.getMessage().startsWith("zip merges whole networks"), e.getMessage());
        // a whole pair: the curve of zip is the zip's transplant
        CnnModel at = CnnPairing.curve(base, target, new CnnPairing.Whole(), "zip", CnnRepair.Correction.NONE, ALIGN, 16).apply(1);
        CnnModel want = CnnTransplant.aligned(base, target, direct);
        want.params().forEach((name, t) -> {
            if (t.dataType() != DataType.INT64) assertTrue(CnnTestNets.maxAbsDiff(t, at.params().get(name)) <= 1e-12, name);
        });
    }
}
