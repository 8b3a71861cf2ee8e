package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

class NpMergeTest {
    static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 600, 300, 12, 3, 42);
    static final TaskData OTHER = Synthetic.gaussianBlobs("other", 600, 300, 12, 3, 43);

    static Model trained(List<Integer> widths, TaskData task, long seed) {
        return Trainer.train(Architecture.mlp(12, widths, 3), task.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 3, 32, seed),
                TrainingListener.NONE);
    }

    static final Model BASE = trained(List.of(10, 8), BLOBS, 1);
    static final Model TARGET = trained(List.of(7, 9), OTHER, 2);
    static final LayerMap MAP = LayerMap.parse("0:0,1:1,2:2");
    static final Map<String, INDArray> ALIGNED = Transplant.alignedTensors(BASE, TARGET, WeightMatching.align(BASE, TARGET, MAP,
            WeightMatching.Settings.DEFAULT));

    static Map<String, float[]> snapshot(Map<String, INDArray> tensors) {
        Map<String, float[]> out = new HashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.dup().data().asFloat()));
        return out;
    }

    @Test
    void withUniformCoefficientsItIsTheConvexMergeAtOneHalf() {
        for (NpMerge.Granularity g : NpMerge.Granularity.values()) {
            NpMerge.Result r = NpMerge.learn(BASE, ALIGNED, BLOBS.train(), new NpMerge.Settings(g, 0, 1e-2, 64, 1));
            Model convex = Merge.convex(BASE, ALIGNED, 0.5);
            for (String name : BASE.params().keySet()) {
                assertArrayEquals(convex.params().get(name).data().asFloat(), r.merged().params().get(name).data().asFloat(), 0f,
                        g + " " + name);
            }
            assertEquals(r.lossBefore(), r.lossAfter(), 0.0, "no step, no change");
        }
    }

    @Test
    void gradientStepsLowerTheLossAndLeaveBothModelsUntouched() {
        Map<String, float[]> base = snapshot(BASE.params());
        Map<String, float[]> target = snapshot(ALIGNED);
        for (NpMerge.Granularity g : NpMerge.Granularity.values()) {
            NpMerge.Result r = NpMerge.learn(BASE, ALIGNED, BLOBS.train(), new NpMerge.Settings(g, 5, 5e-2, 64, 1));
            assertTrue(r.lossAfter() < r.lossBefore(), g + ": " + r.lossBefore() + " -> " + r.lossAfter());
            assertEquals(BLOBS.train().size(), r.rows());
            for (INDArray alpha : r.alphas().values()) {
                assertTrue(alpha.minNumber().doubleValue() > 0 && alpha.maxNumber().doubleValue() < 1, "α = sigmoid(a) is in (0, 1)");
            }
        }
        base.forEach((k, v) -> assertArrayEquals(v, BASE.params().get(k).data().asFloat(), 0f, "base " + k + " is frozen"));
        target.forEach((k, v) -> assertArrayEquals(v, ALIGNED.get(k).data().asFloat(), 0f, "target " + k + " is frozen"));
    }

    @Test
    void unmappedTensorsAreTheBasesExactly() {
        Map<String, INDArray> firstOnly = Transplant.alignedTensors(BASE, TARGET, WeightMatching.align(BASE, TARGET, LayerMap.parse("0:0"),
                WeightMatching.Settings.DEFAULT));
        NpMerge.Result r = NpMerge.learn(BASE, firstOnly, BLOBS.train(), new NpMerge.Settings(NpMerge.Granularity.UNIT, 2, 5e-2, 64, 1));
        for (String name : BASE.params().keySet()) {
            if (firstOnly.containsKey(name)) continue;
            assertArrayEquals(BASE.params().get(name).data().asFloat(), r.merged().params().get(name).data().asFloat(), 0f, name);
        }
        assertEquals(1, r.alphas().size(), "one α vector for layer 0's units");
        assertEquals(10, r.alphas().values().iterator().next().length());
    }

    @Test
    void aJointMergeStartsAtTheUniformAverageAndLearns() {
        Model third = trained(List.of(9, 8), BLOBS, 3);
        Map<String, INDArray> aligned3 = Transplant.alignedTensors(BASE, third, WeightMatching.align(BASE, third, MAP,
                WeightMatching.Settings.DEFAULT));
        NpMerge.Result none = NpMerge.learnJoint(BASE, List.of(ALIGNED, aligned3), BLOBS.train(),
                new NpMerge.Settings(NpMerge.Granularity.UNIT, 0, 5e-2, 64, 1));
        for (String name : BASE.params().keySet()) {
            INDArray mean = BASE.params().get(name).add(ALIGNED.get(name)).addi(aligned3.get(name)).divi(3);
            assertArrayEquals(mean.data().asFloat(), none.merged().params().get(name).data().asFloat(), 1e-6f, name);
        }
        NpMerge.Result learned = NpMerge.learnJoint(BASE, List.of(ALIGNED, aligned3), BLOBS.train(),
                new NpMerge.Settings(NpMerge.Granularity.UNIT, 5, 5e-2, 64, 1));
        assertTrue(learned.lossAfter() < learned.lossBefore(), learned.lossBefore() + " -> " + learned.lossAfter());
    }
}
