package org.mal.core.align;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The target's mapped layers brought into the base's shapes by an alignment: for pair
 * {@code i <- j}, {@code W'[p][r] = W_target_j[out[p]][in[r]]} and {@code b'[p] = b_target_j[out[p]]},
 * where {@code out} and {@code in} are the matches of the layer's output and input groups and a
 * {@code -1} (padding) gives zero. The result always has the base's shapes.
 */
public final class Transplant {
    private Transplant() {}

    /** Base tensor name to aligned target tensor (float32, base shape), for every mapped layer. */
    public static Map<String, INDArray> alignedTensors(Model base, Model target, Alignment alignment) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (LayerMap.Pair p : alignment.map().pairs()) {
            int[] outMatch = matchOf(alignment, p.base(), p.target());
            int[] inMatch = matchOf(alignment, p.base() - 1, p.target() - 1);
            INDArray tw = target.weight(p.target());
            int inB = (int) tw.size(1);
            float[] wb = floats(tw);                                            // row-major [out_B, in_B]
            float[] bb = floats(target.bias(p.target()));
            int outA = outMatch.length;
            int inA = inMatch.length;
            float[] w = new float[outA * inA];
            float[] b = new float[outA];
            for (int r = 0; r < outA; r++) {
                int q = outMatch[r];
                if (q < 0) continue;
                b[r] = bb[q];
                int src = q * inB;
                int dst = r * inA;
                for (int c = 0; c < inA; c++) {
                    int s = inMatch[c];
                    if (s >= 0) w[dst + c] = wb[src + s];
                }
            }
            out.put(Architecture.weightName(p.base()), array(w, outA, inA));
            out.put(Architecture.biasName(p.base()), array(b, outA));
        }
        return out;
    }

    /**
     * A tensor's values as float32, row-major, by one bulk copy out of native memory ({@code
     * data().asFloat()} and {@code Nd4j.create(float[])} go value by value: for a 784-wide layer they
     * cost more than the gathering).
     */
    private static float[] floats(INDArray t) {
        INDArray c = t.castTo(DataType.FLOAT);
        if (c.isView() || c.ordering() != 'c' || c.offset() != 0 || c.data().length() != c.length()) c = c.dup('c');
        float[] out = new float[(int) c.length()];
        if (out.length == 0) return out;
        c.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        return out;
    }

    /** A new float32 array of {@code shape} holding {@code values} (row-major), by one bulk copy. */
    private static INDArray array(float[] values, long... shape) {
        if (values.length == 0) return Nd4j.create(values, shape, DataType.FLOAT);
        INDArray a = Nd4j.create(DataType.FLOAT, shape, 'c');
        a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
        return a;
    }

    static int[] matchOf(Alignment alignment, int baseGroup, int targetGroup) {
        return alignment.match(baseGroup, targetGroup).orElseThrow(() -> new IllegalArgumentException(
                "alignment " + alignment.method() + " has no match of base group " + baseGroup + " with target group " + targetGroup))
                .targetForBase();
    }

    /**
     * The unit groups a layer map touches, as (base group, target group) pairs in first-use order:
     * for each pair {@code i <- j}, its input groups then its output groups.
     */
    static List<int[]> groupPairs(LayerMap map) {
        List<int[]> out = new ArrayList<>();
        for (LayerMap.Pair p : map.pairs()) {
            addOnce(out, p.base() - 1, p.target() - 1);
            addOnce(out, p.base(), p.target());
        }
        return out;
    }

    private static void addOnce(List<int[]> list, int a, int b) {
        for (int[] g : list) if (g[0] == a && g[1] == b) return;
        list.add(new int[] {a, b});
    }

    /** Number of units of group {@code g} of an architecture: its input size for -1, else layer g's outputs. */
    public static int groupSize(Architecture arch, int g) {
        return g < 0 ? arch.inputSize() : arch.layers().get(g).outputSize();
    }
}
