package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

class CnnChannelMatchingTest {
    static final double[] LAMBDAS = {0, 0.25, 0.5, 0.75, 1};

    /** The aligners under test, each as (base, target) → alignment. */
    static final Map<String, BiFunction<CnnModel, CnnModel, CnnAlignment>> ALIGNERS = Map.of(
            "weight", (a, b) -> CnnChannelMatching.align(a, b, CnnChannelMatching.Settings.DEFAULT),
            "activation", (a, b) -> CnnActivationMatching.align(a, b, spread(40, 77), 16));

    /**
     * Images in [-3, 3) (wider than pixels, so that fewer units of these random nets are off on
     * every image). Activation matching can only tell apart channels that vary on its images: a
     * channel off on all of them may be matched with any other such channel, and the merge is then
     * the base's function on those images (a mix of negative pre-activations stays negative), not
     * necessarily on others. Its planted checks therefore run on its own images.
     */
    static INDArray spread(int rows, long seed) {
        return CnnTestNets.images(rows, seed, DataType.DOUBLE).subi(0.5).muli(6);
    }

    @Test
    void agreesWithCnnWeightMatchingWhenChannelCountsAgree() {
        for (CnnArchitecture arch : List.of(CnnTestNets.plain(8, 12, 10, 16), CnnTestNets.pooled(9, 11), CnnTestNets.resnet())) {
            CnnModel base = CnnTestNets.random(arch, 31, DataType.DOUBLE);
            CnnModel target = CnnTestNets.random(arch, 32, DataType.DOUBLE);
            CnnWeightMatching.Result want = CnnWeightMatching.align(base, target, new CnnChannelMatching.Settings(100, 5));
            CnnAlignment got = CnnChannelMatching.align(base, target, new CnnChannelMatching.Settings(100, 5));
            want.perms().forEach((g, p) -> assertArrayEquals(p, got.targetForBase().get(g), arch.describe() + " " + g));
            assertEquals(want.objectiveAfter(), got.objectiveAfter(), 1e-9 * Math.abs(want.objectiveAfter()));
            assertEquals(want.sweeps(), got.sweeps());
            // and the transplant is the permuted target
            CnnModel permuted = target.permuted(want.perms());
            CnnModel transplanted = CnnTransplant.aligned(base, target, got);
            permuted.params().forEach((name, t) -> assertTrue(CnnTestNets.maxAbsDiff(t, transplanted.params().get(name)) == 0, name));
        }
    }

    @Test
    void targetWithExtraDeadChannelsMergesToTheBasesFunctionAtEveryLambda() {
        CnnModel base = alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 1, DataType.DOUBLE));
        CnnModel target = permuted(CnnTestNets.withDeadChannels(base, CnnTestNets.plain(9, 11, 7, 10), 2), 3);
        checkPlanted(base, target, "plain, target wider in every group");
        CnnModel rbase = alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 4, DataType.DOUBLE));
        CnnModel rtarget = permuted(CnnTestNets.withDeadChannels(rbase, CnnTestNets.resnet(7, 8), 5), 6);
        checkPlanted(rbase, rtarget, "resnet, target wider in both stages");
    }

    @Test
    void baseWithExtraDeadChannelsMergesToTheBasesFunctionAtEveryLambda() {
        CnnModel core = alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 7, DataType.DOUBLE));
        CnnModel base = CnnTestNets.withDeadChannels(core, CnnTestNets.plain(9, 11, 7, 10), 8);
        checkPlanted(base, permuted(core, 9), "plain, target narrower in every group");
        CnnModel rcore = alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 10, DataType.DOUBLE));
        CnnModel rbase = CnnTestNets.withDeadChannels(rcore, CnnTestNets.resnet(6, 9), 11);
        checkPlanted(rbase, permuted(rcore, 12), "resnet, target narrower in both stages");
    }

    @Test
    void sizeIncompatibleLayersInBothDirectionsMergeToTheBasesFunctionAtEveryLambda() {
        CnnModel core = alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 13, DataType.DOUBLE));
        // every conv/linear between two groups is [wider out, narrower in] on one side and the reverse on the other
        CnnModel base = CnnTestNets.withDeadChannels(core, CnnTestNets.plain(9, 8, 7, 7), 14);
        CnnModel target = permuted(CnnTestNets.withDeadChannels(core, CnnTestNets.plain(6, 11, 5, 10), 15), 16);
        checkPlanted(base, target, "plain, base wider in groups 1 and 3, target in 2 and 4");
        CnnModel base2 = CnnTestNets.withDeadChannels(core, CnnTestNets.plain(6, 11, 5, 10), 17);
        CnnModel target2 = permuted(CnnTestNets.withDeadChannels(core, CnnTestNets.plain(9, 8, 7, 7), 18), 19);
        checkPlanted(base2, target2, "plain, target wider in groups 1 and 3, base in 2 and 4");
        // a residual stage narrower in the base, the next wider: the projection block is incompatible both ways
        CnnModel rcore = alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 20, DataType.DOUBLE));
        CnnModel rbase = CnnTestNets.withDeadChannels(rcore, CnnTestNets.resnet(4, 9), 21);
        CnnModel rtarget = permuted(CnnTestNets.withDeadChannels(rcore, CnnTestNets.resnet(7, 6), 22), 23);
        checkPlanted(rbase, rtarget, "resnet, base wider in stage 2, target in stage 1");
    }

    /**
     * For every aligner: the merge with the aligned target at every λ computes the base's function
     * (float64, 1e-10), λ = 0 is the base itself, the merge has the base's architecture; the naive
     * alignment's midpoint does not (so the check is not vacuous).
     */
    private static void checkPlanted(CnnModel base, CnnModel target, String what) {
        for (Map.Entry<String, BiFunction<CnnModel, CnnModel, CnnAlignment>> aligner : ALIGNERS.entrySet()) {
            INDArray x = aligner.getKey().equals("activation") ? spread(40, 77) : spread(5, 99);
            INDArray want = base.logits(x);
            CnnAlignment a = aligner.getValue().apply(base, target);
            CnnModel aligned = CnnTransplant.aligned(base, target, a);
            for (double lambda : LAMBDAS) {
                CnnModel merged = CnnMerge.convex(base, aligned, lambda);
                assertEquals(base.architecture(), merged.architecture());
                double diff = CnnTestNets.maxAbsDiff(want, merged.logits(x));
                assertTrue(diff <= 1e-10, what + ", " + aligner.getKey() + " at λ " + lambda + ": logits differ by " + diff + "; " + a);
            }
            assertSame(base, CnnMerge.convex(base, aligned, 0));
        }
        CnnModel naive = CnnTransplant.aligned(base, target, CnnChannelMatching.naive(base, target));
        INDArray x = spread(5, 99);
        INDArray want = base.logits(x);
        assertTrue(CnnTestNets.maxAbsDiff(want, CnnMerge.convex(base, naive, 0.5).logits(x)) > 1e-3, what + ": the naive midpoint is the base's function");
    }

    /**
     * {@code m} with scales in [0.5, ∞), small shifts and statistics measured on the activation images
     * for its batch norms: each normalised channel then varies on them, as in a trained net (random
     * batch norms leave channels off on every image, which activation matching cannot tell apart,
     * see {@link #spread}).
     */
    static CnnModel alive(CnnModel m) {
        Map<String, INDArray> params = new java.util.LinkedHashMap<>(m.params());
        params.keySet().stream().filter(n -> n.endsWith("running_mean")).map(n -> n.substring(0, n.length() - "running_mean".length())).toList()
                .forEach(bn -> {
                    params.put(bn + "weight", Transforms.abs(params.get(bn + "weight")).addi(0.5));
                    params.put(bn + "bias", params.get(bn + "bias").mul(0.2));
                });
        return BatchNormStatistics.reset(new CnnModel(m.architecture(), params), spread(40, 77), 20);
    }

    /** {@code m} with every group randomly permuted. */
    static CnnModel permuted(CnnModel m, long seed) {
        return m.permuted(CnnTestNets.randomPerms(m.architecture(), seed));
    }

    @Test
    void transplantGathersChannelsAndFlattenBlocksAsADirectLoop() {
        CnnModel base = CnnTestNets.random(CnnTestNets.plain(5, 6, 4, 7), 40, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(CnnTestNets.plain(7, 4, 6, 5), 41, DataType.DOUBLE);
        CnnAlignment a = CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
        CnnModel t = CnnTransplant.aligned(base, target, a);
        // conv 4: weight [out P_4, in P_0, 3, 3]
        checkConv(target.params().get("4.weight"), t.params().get("4.weight"), a.match("P_4"), a.match("P_0"));
        // linear 11 after the flatten of 3x3 maps: input entry c*9 + j of the base is the target's m[c]*9 + j
        INDArray tw = target.params().get("11.weight");
        INDArray got = t.params().get("11.weight");
        int[] out = a.match("P_11");
        int[] in = a.match("P_8");
        for (int r = 0; r < out.length; r++) {
            for (int c = 0; c < in.length; c++) {
                for (int j = 0; j < 9; j++) {
                    double want = out[r] < 0 || in[c] < 0 ? 0 : tw.getDouble(out[r], in[c] * 9 + j);
                    assertEquals(want, got.getDouble(r, c * 9 + j), 0.0, "11.weight[" + r + ", " + (c * 9 + j) + "]");
                }
            }
        }
        // a batch norm vector
        int[] m0 = a.match("P_0");
        for (int p = 0; p < m0.length; p++) {
            assertEquals(m0[p] < 0 ? 0 : target.params().get("1.running_var").getDouble(m0[p]), t.params().get("1.running_var").getDouble(p), 0.0);
        }
        // the widths differ both ways here, so some base channels are padded and some target channels dropped
        assertTrue(java.util.Arrays.stream(a.match("P_0")).filter(v -> v < 0).count() == 0 && java.util.Arrays.stream(a.match("P_4")).filter(v -> v < 0).count() == 2);
    }

    private static void checkConv(INDArray target, INDArray got, int[] out, int[] in) {
        for (int o = 0; o < out.length; o++) {
            for (int c = 0; c < in.length; c++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 3; x++) {
                        double want = out[o] < 0 || in[c] < 0 ? 0 : target.getDouble(out[o], in[c], y, x);
                        assertEquals(want, got.getDouble(o, c, y, x), 0.0);
                    }
                }
            }
        }
    }

    @Test
    void theObjectiveIsTheInnerProductWithTheTransplantAndEndsAtAFixedPoint() {
        CnnModel base = CnnTestNets.random(CnnTestNets.resnet(5, 7), 50, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(CnnTestNets.resnet(6, 6), 51, DataType.DOUBLE);
        CnnAlignment a = CnnChannelMatching.align(base, target, new CnnChannelMatching.Settings(100, 2));
        assertTrue(a.objectiveAfter() > a.objectiveBefore() + 1e-6, a.toString());
        // reference: Σ over the grouped tensors of ⟨base, transplanted target⟩, by direct sums
        CnnModel t = CnnTransplant.aligned(base, target, a);
        double j = 0;
        for (String name : base.architecture().permutationSpec().groups().values().stream().flatMap(List::stream)
                .map(CnnPermutationSpec.AxisRef::param).distinct().toList()) {
            double[] x = base.params().get(name).dup('c').data().asDouble();
            double[] y = t.params().get(name).dup('c').data().asDouble();
            for (int i = 0; i < x.length; i++) j += x[i] * y[i];
        }
        assertEquals(j, a.objectiveAfter(), 1e-9 * Math.abs(j));
        // one more sweep from the result gains nothing in any group
        CnnAlignment naiveOfResult = new CnnAlignment("x", a.targetForBase(), 0, 0, 0, 0);
        assertEquals(a.objectiveAfter(), CnnChannelMatching.objective(base, target, naiveOfResult.targetForBase()), 1e-9 * Math.abs(j));
        CnnAlignment again = CnnChannelMatching.align(base, target, new CnnChannelMatching.Settings(100, 2));
        a.targetForBase().forEach((g, m) -> assertArrayEquals(m, again.targetForBase().get(g), "seeded: " + g));
    }

    @Test
    void aPermutedCopyIsAlignedBackExactlyByActivationMatching() {
        for (CnnArchitecture arch : List.of(CnnTestNets.plain(8, 12, 10, 16), CnnTestNets.resnet())) {
            CnnModel base = alive(CnnTestNets.random(arch, 60, DataType.DOUBLE));
            Map<String, int[]> planted = CnnTestNets.randomPerms(arch, 61);
            CnnModel target = base.permuted(planted);
            INDArray x = spread(30, 62);
            CnnAlignment a = CnnActivationMatching.align(base, target, x, 7);
            // every channel that varies on the images is recovered; one that is off on all of them cannot be told apart
            Map<String, CnnActivationMatching.Correlation> corr = CnnActivationMatching.correlations(base, base, x, 7);
            int recovered = 0;
            for (Map.Entry<String, int[]> e : planted.entrySet()) {
                int[] want = org.mal.core.model.PermutationSpec.inverse(e.getValue());
                double[] self = corr.get(e.getKey() + "#1").matrix();
                int n = want.length;
                for (int p = 0; p < n; p++) {
                    if (self[p * n + p] == 0) continue;
                    assertEquals(want[p], a.match(e.getKey())[p], arch.describe() + " " + e.getKey() + " channel " + p);
                    recovered++;
                }
            }
            assertTrue(recovered >= 0.9 * planted.values().stream().mapToInt(p -> p.length).sum(), recovered + " channels vary");
            CnnModel aligned = CnnTransplant.aligned(base, target, a);
            assertTrue(CnnTestNets.maxAbsDiff(base.logits(x), CnnMerge.convex(base, aligned, 0.5).logits(x)) <= 1e-10);
        }
    }

    @Test
    void structuresThatDifferBeyondChannelCountsAreRejectedNamingTheModule() {
        CnnModel base = CnnTestNets.random(CnnTestNets.pooled(4, 5), 1, DataType.DOUBLE);
        CnnModel deeper = CnnTestNets.random(CnnTestNets.plain(4, 5, 6, 7), 1, DataType.DOUBLE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CnnChannelMatching.align(base, deeper, CnnChannelMatching.Settings.DEFAULT));
        assertEquals("base has 8 modules, target 14: channel alignment needs the same layer structure (a different depth needs a layer map)", e.getMessage());
        CnnArchitecture stride = new CnnArchitecture(1, 28, 28, List.of(new CnnLayer.Conv2d(1, 4, 3, 1, 0, true), new CnnLayer.BatchNorm2d(4, 1e-3),
                new CnnLayer.Relu(), new CnnLayer.Conv2d(4, 5, 3, 1, 1, true), new CnnLayer.Relu(), new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(),
                new CnnLayer.Linear(5, 10, false)));
        CnnModel other = CnnTestNets.random(stride, 2, DataType.DOUBLE);
        e = assertThrows(IllegalArgumentException.class, () -> CnnActivationMatching.align(base, other, CnnTestNets.images(4, 1, DataType.DOUBLE), 2));
        assertEquals("module 0 differs beyond its channel counts: base Conv2d(1, 4, kernel_size=3, stride=2, padding=0), target Conv2d(1, 4, kernel_size=3, stride=1, padding=0)",
                e.getMessage());
        // a stage whose block is an identity in one net and a projection in the other
        CnnModel r = CnnTestNets.random(CnnTestNets.resnet(6, 6), 3, DataType.DOUBLE);
        CnnModel s = CnnTestNets.random(CnnTestNets.resnet(6, 8), 3, DataType.DOUBLE);
        assertTrue(CnnTestNets.resnet(6, 6).layers().get(4) instanceof CnnLayer.ResidualBlock b && b.projection(), "stride 2 keeps the projection");
        CnnChannelMatching.align(r, s, CnnChannelMatching.Settings.DEFAULT);   // same structure: accepted
        CnnAlignment bad = new CnnAlignment("bad", Map.of("P_0", new int[] {0, 0, 1, 2, 3, 4}), 0, 0, 0, 0);
        e = assertThrows(IllegalArgumentException.class, () -> CnnTransplant.aligned(r, s, bad));
        assertTrue(e.getMessage().startsWith("alignment bad matches groups [P_0]; the base has [P_0, P_3.inner"), e.getMessage());
        Map<String, int[]> twice = new java.util.LinkedHashMap<>(CnnChannelMatching.naive(r, s).targetForBase());
        twice.put("P_0", new int[] {0, 0, 1, 2, 3, 4});
        e = assertThrows(IllegalArgumentException.class, () -> CnnTransplant.aligned(r, s, new CnnAlignment("twice", twice, 0, 0, 0, 0)));
        assertEquals("group P_0: target channel 0 is given to two base channels", e.getMessage());
    }
}
