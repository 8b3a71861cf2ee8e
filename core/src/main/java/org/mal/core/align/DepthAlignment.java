package org.mal.core.align;

import java.util.ArrayList;
import java.util.List;
import org.mal.core.data.Dataset;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Depth alignment of a deeper and a shallower model by layer similarity ("Training-free
 * Heterogeneous Model Merging", Xu et al. 2025, after CLAFusion's cross-layer alignment): linear
 * CKA between the hidden representations of every deep layer and every shallow layer on a batch of
 * data, then a monotone dynamic program.
 *
 * <ul>
 *   <li>{@link #alignLayers} (SMA in the reference code): each shallow layer {@code k} gets its own
 *       deep layer {@code A[k]}, strictly increasing in {@code k}, maximising {@code Σ_k C[A[k]][k]};
 *       deep layers between two matched ones are skipped.
 *   <li>{@link #segment} (LMA): the deep layers are cut into {@code n} runs of consecutive layers, run
 *       {@code k} going to shallow layer {@code k}; every deep layer counts its similarity to the
 *       shallow layer whose run it joins: maximise {@code Σ_k Σ_{l in run k} C[l][k]}.
 * </ul>
 *
 * <p>The reference code's known bugs are not reproduced: stage offsets are not reset inside a loop
 * (there are no stages here), and no index wraps around at the first layer (the LMA recurrence is
 * written over explicit run boundaries). Both programs are checked against brute force in the tests.
 */
public final class DepthAlignment {
    private DepthAlignment() {}

    /**
     * Linear CKA (Kornblith et al. 2019) of representations {@code x} [n, p] and {@code y} [n, q] of
     * the same {@code n} samples: with column-centred {@code X} and {@code Y},
     * {@code ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F)}; in [0, 1], invariant to orthogonal transforms and
     * isotropic scaling of either side, hence to permutations of units. 0 when either side is constant.
     */
    public static double linearCka(INDArray x, INDArray y) {
        if (x.size(0) != y.size(0)) throw new IllegalArgumentException("CKA needs the same samples: " + x.size(0) + " vs " + y.size(0) + " rows");
        INDArray cx = x.castTo(DataType.DOUBLE);
        INDArray cy = y.castTo(DataType.DOUBLE);
        cx = cx.subRowVector(cx.mean(0));
        cy = cy.subRowVector(cy.mean(0));
        double cross = sq(cy.transpose().mmul(cx));
        double xx = Math.sqrt(sq(cx.transpose().mmul(cx)));
        double yy = Math.sqrt(sq(cy.transpose().mmul(cy)));
        return xx == 0 || yy == 0 ? 0 : cross / (xx * yy);
    }

    private static double sq(INDArray m) {
        double n = m.norm2Number().doubleValue();
        return n * n;
    }

    /**
     * {@code C[l][k]}: linear CKA of hidden layer {@code l} of {@code deep} with hidden layer {@code k}
     * of {@code shallow} (outputs after the ReLU; the output layers are not compared), on every row of
     * {@code data}.
     */
    public static double[][] similarity(Model deep, Model shallow, Dataset data) {
        List<INDArray> hd = hidden(deep, data);
        List<INDArray> hs = hidden(shallow, data);
        double[][] c = new double[hd.size()][hs.size()];
        for (int l = 0; l < hd.size(); l++) for (int k = 0; k < hs.size(); k++) c[l][k] = linearCka(hd.get(l), hs.get(k));
        return c;
    }

    private static List<INDArray> hidden(Model m, Dataset data) {
        List<INDArray> out = new ArrayList<>();
        INDArray h = data.features(0, data.size());
        for (int i = 0; i < m.architecture().depth() - 1; i++) {
            h = m.layerOutput(i, h);
            out.add(h);
        }
        return out;
    }

    /**
     * SMA: for {@code C} of {@code m} deep rows and {@code n ≤ m} shallow columns, the strictly
     * increasing {@code A} (length {@code n}) maximising {@code Σ_k C[A[k]][k]}. O(mn).
     * {@code F[l][k]} = best value placing shallow layers {@code 0..k-1} among deep layers {@code 0..l-1}.
     */
    public static int[] alignLayers(double[][] c) {
        int m = c.length;
        int n = check(c);
        double[][] f = new double[m + 1][n + 1];
        for (int k = 1; k <= n; k++) f[0][k] = Double.NEGATIVE_INFINITY;
        for (int l = 1; l <= m; l++) {
            for (int k = 1; k <= n; k++) {
                double skip = f[l - 1][k];
                double take = f[l - 1][k - 1] + c[l - 1][k - 1];
                f[l][k] = Math.max(skip, take);
            }
        }
        int[] a = new int[n];
        int l = m;
        for (int k = n; k >= 1; k--) {
            while (f[l][k] == f[l - 1][k] && l - 1 >= k) l--;   // prefer skipping when it loses nothing
            a[k - 1] = l - 1;
            l--;
        }
        return a;
    }

    /**
     * LMA: cuts deep layers {@code 0..m-1} into {@code n} non-empty runs of consecutive layers, run
     * {@code k} for shallow layer {@code k}, maximising {@code Σ_k Σ_{l in run k} C[l][k]}. Returns
     * {@code start} of length {@code n}: run {@code k} is {@code [start[k], start[k+1])}, the last run
     * ends at {@code m}. O(mn).
     */
    public static int[] segment(double[][] c) {
        int m = c.length;
        int n = check(c);
        // g[l][k]: best value with deep layers 0..l-1 covered by runs 0..k-1, the last ending at l-1
        double[][] g = new double[m + 1][n + 1];
        boolean[][] extend = new boolean[m + 1][n + 1];
        for (double[] row : g) java.util.Arrays.fill(row, Double.NEGATIVE_INFINITY);
        g[0][0] = 0;
        for (int l = 1; l <= m; l++) {
            for (int k = 1; k <= Math.min(l, n); k++) {
                double open = g[l - 1][k - 1];                    // deep layer l-1 opens run k-1
                double cont = g[l - 1][k];                        // deep layer l-1 extends run k-1
                boolean ext = cont > open;
                g[l][k] = (ext ? cont : open) + c[l - 1][k - 1];
                extend[l][k] = ext;
            }
        }
        int[] start = new int[n];
        int k = n;
        for (int l = m; l >= 1; l--) {
            if (!extend[l][k]) {
                start[k - 1] = l - 1;
                k--;
            }
        }
        return start;
    }

    /**
     * A layer map for models of different depth by SMA on CKA: each layer of the shallower model is
     * paired with its best-matching layer of the deeper one, order preserved; hidden layers only
     * (the output layers are always paired with each other). Usable with any aligner.
     */
    public static LayerMap layerMap(Model base, Model target, Dataset data) {
        if (base.architecture().depth() < 2 || target.architecture().depth() < 2) {
            throw new IllegalArgumentException("depth alignment compares hidden layers; the base " + base.architecture().describe()
                    + " or the target " + target.architecture().describe() + " has none");
        }
        boolean baseDeeper = base.architecture().depth() >= target.architecture().depth();
        Model deep = baseDeeper ? base : target;
        Model shallow = baseDeeper ? target : base;
        int[] a = alignLayers(similarity(deep, shallow, data));
        List<LayerMap.Pair> pairs = new ArrayList<>();
        for (int k = 0; k < a.length; k++) pairs.add(baseDeeper ? new LayerMap.Pair(a[k], k) : new LayerMap.Pair(k, a[k]));
        pairs.add(new LayerMap.Pair(base.architecture().depth() - 1, target.architecture().depth() - 1));
        return new LayerMap(pairs);
    }

    private static int check(double[][] c) {
        if (c.length == 0 || c[0].length == 0) throw new IllegalArgumentException("empty similarity matrix");
        int n = c[0].length;
        for (double[] row : c) {
            if (row.length != n) throw new IllegalArgumentException("ragged similarity matrix");
            for (double v : row) if (!Double.isFinite(v)) throw new IllegalArgumentException("similarity " + v + " is not finite");
        }
        if (n > c.length) {
            throw new IllegalArgumentException("the deep model has " + c.length + " layers to compare and the shallow one " + n
                    + "; pass the deeper model's similarities as rows");
        }
        return n;
    }
}
