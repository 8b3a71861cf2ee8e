package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Selective merging between CNNs of different depth: a layer map {@code {base conv i ← target conv j}}
 * merges the target's conv {@code j} (and the batch norm right after it) into the base's conv
 * {@code i}, which must have the same kernel, stride, padding and bias; every other base tensor is
 * kept. Channel counts may differ (generalized permutations, as in {@link CnnChannelMatching}).
 *
 * <p>Unit groups: a pair {@code i ← j} relates the base's conv {@code i}'s output channels (group
 * {@code P_i}) to the target conv {@code j}'s ({@code P_j}), and the channels each reads: the base's
 * group entering module {@code i} to the target's group entering module {@code j} (both the image, or
 * both channel groups; the image's channels correspond one to one). One match per pair of groups,
 * keyed {@code "<base group><-<target group>"}: two pairs that touch the same pair of groups share it,
 * as the MLP layer maps do. Top-level {@code Conv2d} modules are mapped to top-level convs, and
 * residual blocks to residual blocks of the same stride and kind of shortcut: a block pair
 * {@code i ← j} merges both convs, both batch norms and the projection (if any); its inner channels
 * are one more group ({@code "P_i.inner<-P_j.inner"}), and its output channels are the group it reads
 * when its shortcut is the identity (the residual stream keeps its basis), {@code "P_i<-P_j"} when it
 * is a projection. A conv's channels and a block's cannot be paired: a conv→BN→ReLU and a block
 * compute different functions of their inputs, so no channel correspondence carries one into the other.
 *
 * <p>Weight matching maximises {@code Σ_pairs ⟨W_i, T(W_j)⟩ + ⟨b_i, T(b_j)⟩ + Σ ⟨bn_i, T(bn_j)⟩}
 * over the matches by {@link CnnChannelMatching}'s coordinate descent, on the mapped tensors only.
 * The merge replaces each mapped base tensor by {@code (1 − λ)·A + λ·T(B)}; the base's other tensors,
 * and its batch norms' counters, stay. λ = 0 is the base itself. Nothing is modified.
 */
public final class CnnLayerMap {
    private CnnLayerMap() {}

    /** Base module {@code base} receives target module {@code target}. */
    public record Pair(int base, int target) {
        /** {@code "4<-7"}. */
        public static Pair parse(String s) {
            String[] parts = s.trim().split("<-");
            if (parts.length != 2) throw new IllegalArgumentException("a layer map pair is written base<-target, e.g. 4<-7; got " + s);
            try {
                return new Pair(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a layer map pair is written base<-target with module indices, e.g. 4<-7; got " + s, e);
            }
        }

        @Override public String toString() { return base + "<-" + target; }
    }

    /**
     * An aligned layer map: the alignment (its groups are the match keys) and the target's mapped
     * tensors in the base's shapes and channel order, under the base's names.
     */
    public record Mapped(List<Pair> pairs, CnnAlignment alignment, Map<String, INDArray> aligned) {
        public Mapped {
            pairs = List.copyOf(pairs);
            aligned = Collections.unmodifiableMap(new LinkedHashMap<>(aligned));
        }
    }

    /** Channel {@code p} to channel {@code p} in every matched group, padding or dropping the rest. */
    public static Mapped naive(CnnModel base, CnnModel target, List<Pair> pairs) {
        Problem p = new Problem(base, target, pairs);
        Map<String, int[]> matches = new LinkedHashMap<>();
        p.spec.sizes().forEach((g, n) -> {
            int[] m = new int[n];
            for (int k = 0; k < n; k++) m[k] = k < p.targetSizes.get(g) ? k : -1;
            matches.put(g, m);
        });
        double j = CnnChannelMatching.objective(p.spec, p.targetSizes, p.a, p.b, matches);
        return p.mapped(new CnnAlignment("naive", matches, j, j, 0, 0));
    }

    /** Weight matching on the mapped layers (see the class comment). */
    public static Mapped align(CnnModel base, CnnModel target, List<Pair> pairs, CnnChannelMatching.Settings settings) {
        Problem p = new Problem(base, target, pairs);
        return p.mapped(CnnChannelMatching.align(p.spec, p.targetSizes, p.a, p.b, settings));
    }

    /**
     * Checks that {@code pairs} is a layer map from a target of architecture {@code target} into a base
     * of architecture {@code base}; an {@link IllegalArgumentException} names the first pair that is
     * not and why (the errors {@link #align} and {@link #naive} would give).
     */
    public static void check(CnnArchitecture base, CnnArchitecture target, List<Pair> pairs) {
        new Problem(base, target, null, null, pairs);
    }

    /** The base with each mapped tensor {@code (1 − λ)·base + λ·aligned}; λ = 0 is the base itself. */
    public static CnnModel merge(CnnModel base, Mapped mapped, double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
        if (lambda == 0) return base;
        Map<String, INDArray> params = new LinkedHashMap<>(base.params());
        mapped.aligned().forEach((name, t) -> {
            INDArray a = base.params().get(name);
            params.put(name, a.mul(1 - lambda).addi(t.castTo(a.dataType()).mul(lambda)));
        });
        return new CnnModel(base.architecture(), params);
    }

    /** The group (spec name) of the channels entering module {@code i}, or null for the image. */
    static String inputGroup(CnnArchitecture arch, int i) {
        String current = null;
        for (int k = 0; k < i; k++) {
            CnnLayer l = arch.layers().get(k);
            if (l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.Linear) current = "P_" + k;
            else if (l instanceof CnnLayer.ResidualBlock r && r.projection()) current = "P_" + k;
        }
        return current;
    }

    /** The mapped tensors under pair-local names ({@code "<k>/weight"}, {@code "<k>/bn.running_var"}, ...) with their groups. */
    private static final class Problem {
        final CnnModel base;
        final List<Pair> pairs;
        final Map<String, Integer> baseSizes = new LinkedHashMap<>();
        final Map<String, Integer> targetSizes = new LinkedHashMap<>();
        final Map<String, List<CnnPermutationSpec.AxisRef>> groups = new LinkedHashMap<>();
        final Map<String, INDArray> a = new LinkedHashMap<>();
        final Map<String, INDArray> b = new LinkedHashMap<>();
        /** Pair-local name → the base's tensor name. */
        final Map<String, String> baseName = new LinkedHashMap<>();
        final CnnPermutationSpec spec;

        Problem(CnnModel base, CnnModel target, List<Pair> pairs) {
            this(base.architecture(), target.architecture(), base, target, pairs);
        }

        /** With {@code base} and {@code target} null: the checks and the groups only (no tensors). */
        Problem(CnnArchitecture archA, CnnArchitecture archB, CnnModel base, CnnModel target, List<Pair> pairs) {
            this.base = base;
            this.pairs = List.copyOf(pairs);
            if (pairs.isEmpty()) throw new IllegalArgumentException("a layer map needs at least one pair");
            List<Integer> seen = new ArrayList<>();
            for (int k = 0; k < pairs.size(); k++) {
                Pair p = pairs.get(k);
                if (seen.contains(p.base())) throw new IllegalArgumentException("base module " + p.base() + " is mapped twice");
                seen.add(p.base());
                CnnLayer la = module(archA, p.base(), "base");
                CnnLayer lb = module(archB, p.target(), "target");
                if (la.getClass() != lb.getClass()) {
                    throw new IllegalArgumentException("pair " + p + ": layer maps pair convs with convs and residual blocks with residual blocks; base module "
                            + p.base() + " is " + la.describe() + ", target module " + p.target() + " is " + lb.describe());
                }
                String inA = inputGroup(archA, p.base());
                String inB = inputGroup(archB, p.target());
                if ((inA == null) != (inB == null)) {
                    String what = la instanceof CnnLayer.Conv2d ? "conv" : "block";
                    throw new IllegalArgumentException("pair " + p + ": " + (inA == null ? "the base's " + what + " reads the image and the target's reads channels"
                            : "the target's " + what + " reads the image and the base's reads channels"));
                }
                String in = inA == null ? null : inA + "<-" + inB;
                String local = k + "/";
                if (la instanceof CnnLayer.Conv2d ca && lb instanceof CnnLayer.Conv2d cb) {
                    if (ca.kernel() != cb.kernel() || ca.stride() != cb.stride() || ca.padding() != cb.padding() || ca.bias() != cb.bias()) {
                        throw new IllegalArgumentException("pair " + p + ": base " + ca.describe() + " and target " + cb.describe()
                                + " differ beyond their channel counts");
                    }
                    boolean bnA = isBatchNorm(archA, p.base() + 1);
                    boolean bnB = isBatchNorm(archB, p.target() + 1);
                    if (bnA != bnB) {
                        throw new IllegalArgumentException("pair " + p + ": " + (bnA ? "the base's" : "the target's") + " conv is followed by a batch norm and the other's is not");
                    }
                    if (inA == null && ca.inChannels() != cb.inChannels()) {
                        throw new IllegalArgumentException("pair " + p + ": both convs read the image, with " + ca.inChannels() + " and " + cb.inChannels() + " channels");
                    }
                    String out = "P_" + p.base() + "<-P_" + p.target();
                    add(local + "weight", p.base() + ".weight", base, target, p.target() + ".weight");
                    group(out, ca.outChannels(), cb.outChannels(), new CnnPermutationSpec.AxisRef(local + "weight", 0, 1));
                    if (in != null) group(in, ca.inChannels(), cb.inChannels(), new CnnPermutationSpec.AxisRef(local + "weight", 1, 1));
                    if (ca.bias()) {
                        add(local + "bias", p.base() + ".bias", base, target, p.target() + ".bias");
                        group(out, ca.outChannels(), cb.outChannels(), new CnnPermutationSpec.AxisRef(local + "bias", 0, 1));
                    }
                    if (bnA) batchNorm(local + "bn.", (p.base() + 1) + ".", (p.target() + 1) + ".", out, ca.outChannels(), cb.outChannels(), base, target);
                } else if (la instanceof CnnLayer.ResidualBlock ra && lb instanceof CnnLayer.ResidualBlock rb) {
                    if (ra.stride() != rb.stride() || ra.projection() != rb.projection()) {
                        throw new IllegalArgumentException("pair " + p + ": base " + ra.describe() + " and target " + rb.describe()
                                + " differ beyond their channel counts (stride or shortcut)");
                    }
                    if (in == null && ra.inChannels() != rb.inChannels()) {
                        throw new IllegalArgumentException("pair " + p + ": both blocks read the image, with " + ra.inChannels() + " and " + rb.inChannels() + " channels");
                    }
                    // an identity shortcut keeps the stream's group: the block's output is in the group it reads
                    String out = ra.projection() ? "P_" + p.base() + "<-P_" + p.target() : in;
                    String inner = "P_" + p.base() + ".inner<-P_" + p.target() + ".inner";
                    int na = ra.outChannels();
                    int nb = rb.outChannels();
                    String pa = p.base() + ".";
                    String pb = p.target() + ".";
                    add(local + "conv1.weight", pa + "conv1.weight", base, target, pb + "conv1.weight");
                    group(inner, na, nb, new CnnPermutationSpec.AxisRef(local + "conv1.weight", 0, 1));
                    if (in != null) group(in, ra.inChannels(), rb.inChannels(), new CnnPermutationSpec.AxisRef(local + "conv1.weight", 1, 1));
                    batchNorm(local + "bn1.", pa + "bn1.", pb + "bn1.", inner, na, nb, base, target);
                    add(local + "conv2.weight", pa + "conv2.weight", base, target, pb + "conv2.weight");
                    if (out != null) group(out, na, nb, new CnnPermutationSpec.AxisRef(local + "conv2.weight", 0, 1));
                    group(inner, na, nb, new CnnPermutationSpec.AxisRef(local + "conv2.weight", 1, 1));
                    batchNorm(local + "bn2.", pa + "bn2.", pb + "bn2.", out, na, nb, base, target);
                    if (ra.projection()) {
                        add(local + "downsample.0.weight", pa + "downsample.0.weight", base, target, pb + "downsample.0.weight");
                        group(out, na, nb, new CnnPermutationSpec.AxisRef(local + "downsample.0.weight", 0, 1));
                        if (in != null) group(in, ra.inChannels(), rb.inChannels(), new CnnPermutationSpec.AxisRef(local + "downsample.0.weight", 1, 1));
                        batchNorm(local + "downsample.1.", pa + "downsample.1.", pb + "downsample.1.", out, na, nb, base, target);
                    }
                } else {
                    throw new IllegalStateException("unmappable modules passed the check: " + la.describe() + ", " + lb.describe());
                }
            }
            spec = new CnnPermutationSpec(baseSizes, groups);
        }

        private static CnnLayer module(CnnArchitecture arch, int i, String role) {
            if (i < 0 || i >= arch.layers().size()) throw new IllegalArgumentException("the " + role + " has no module " + i + " (it has " + arch.layers().size() + ")");
            CnnLayer l = arch.layers().get(i);
            if (!(l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.ResidualBlock)) {
                throw new IllegalArgumentException("layer maps pair top-level convs and residual blocks; the " + role + "'s module " + i + " is " + l.describe());
            }
            return l;
        }

        /** A batch norm's four vectors ({@code <prefix>weight}, ...), on axis 0 of {@code group} (none: {@code null}, channels that are the image's). */
        private void batchNorm(String local, String prefixA, String prefixB, String group, int na, int nb, CnnModel base, CnnModel target) {
            for (String v : CnnArchitecture.BATCH_NORM_VECTORS) {
                add(local + v, prefixA + v, base, target, prefixB + v);
                if (group != null) group(group, na, nb, new CnnPermutationSpec.AxisRef(local + v, 0, 1));
            }
        }

        private static boolean isBatchNorm(CnnArchitecture arch, int i) {
            return i < arch.layers().size() && arch.layers().get(i) instanceof CnnLayer.BatchNorm2d;
        }

        private void add(String local, String nameA, CnnModel base, CnnModel target, String nameB) {
            if (base == null) return;
            a.put(local, base.params().get(nameA));
            b.put(local, target.params().get(nameB));
            baseName.put(local, nameA);
        }

        private void group(String key, int na, int nb, CnnPermutationSpec.AxisRef ref) {
            Integer known = baseSizes.putIfAbsent(key, na);
            targetSizes.putIfAbsent(key, nb);
            if (known != null && (known != na || targetSizes.get(key) != nb)) {
                throw new IllegalStateException("group " + key + " has two sizes");
            }
            groups.computeIfAbsent(key, g -> new ArrayList<>()).add(ref);
        }

        Mapped mapped(CnnAlignment alignment) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (String local : a.keySet()) {
                INDArray t = b.get(local);
                for (Map.Entry<String, List<CnnPermutationSpec.AxisRef>> g : spec.groups().entrySet()) {
                    for (CnnPermutationSpec.AxisRef r : g.getValue()) {
                        if (r.param().equals(local)) t = CnnTransplant.gather(t, r.axis(), CnnTransplant.expand(alignment.targetForBase().get(g.getKey()), r.block()));
                    }
                }
                out.put(baseName.get(local), t.castTo(base.floatType()));
            }
            return new Mapped(pairs, alignment, out);
        }
    }
}
