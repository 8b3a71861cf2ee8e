package org.mal.core.cnn;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mal.core.io.Safetensors;
import org.mal.core.io.SafetensorsFile;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CNNs in safetensors files, with PyTorch's names and layouts: the state dict of the
 * {@code nn.Sequential} the {@link CnnArchitecture} mirrors (conv weight {@code [out, in, kh, kw]},
 * batch norm {@code weight, bias, running_mean, running_var} and the int64
 * {@code num_batches_tracked}), so {@code net.load_state_dict} takes our files as they are. Our
 * files also carry the architecture as JSON in {@code __metadata__} ({@value #ARCHITECTURE_KEY});
 * a file without it (a state dict saved from PyTorch) is read by {@link #infer inference}.
 *
 * <p>MLP files ({@code org.mal.core.model.ModelIO}, key {@code mal.architecture}) are a different
 * kind: neither reader takes the other's files, each says so.
 */
public final class CnnIO {
    public static final String ARCHITECTURE_KEY = "mal.cnn.architecture";

    private CnnIO() {}

    /**
     * A CNN read from a file.
     *
     * @param inferred whether the architecture was inferred (no metadata)
     * @param notes what inference assumed or filled in, for the user (empty when read from metadata)
     */
    public record Loaded(CnnModel model, boolean inferred, List<String> notes) {
        public Loaded {
            notes = List.copyOf(notes);
        }
    }

    /** Writes the model's tensors in state-dict order with its architecture in the metadata. */
    public static void save(Path file, CnnModel model) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelIO.FORMAT_KEY, ModelIO.FORMAT_VERSION);
        metadata.put(ARCHITECTURE_KEY, ModelIO.JSON.writeValueAsString(model.architecture()));
        Safetensors.write(file, model.params(), metadata);
    }

    /**
     * Reads a CNN: from its metadata when it has ours, else inferred for MNIST-shaped input
     * ({@code 1×28×28}, see {@link #infer}).
     */
    public static Loaded load(Path file) throws IOException {
        return load(file, 1, 28, 28);
    }

    /** Reads a CNN; a file without our metadata is inferred for input images {@code channels×height×width}. */
    public static Loaded load(Path file, int channels, int height, int width) throws IOException {
        SafetensorsFile st = Safetensors.read(file);
        String json = st.metadata().get(ARCHITECTURE_KEY);
        if (json == null) {
            if (st.metadata().containsKey(ModelIO.ARCHITECTURE_KEY)) {
                throw new IOException(file + ": is a MAL MLP file (metadata " + ModelIO.ARCHITECTURE_KEY + "), not a CNN; read it with ModelIO");
            }
            Map<String, long[]> shapes = new LinkedHashMap<>();
            st.tensors().forEach((name, t) -> shapes.put(name, t.shape()));
            Inferred inferred;
            try {
                inferred = infer(shapes, channels, height, width);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": has no MAL metadata and " + e.getMessage(), e);
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>(st.tensors());
            List<String> notes = new ArrayList<>(inferred.notes());
            for (CnnArchitecture.Param p : inferred.architecture().params()) {
                if (p.int64() && !tensors.containsKey(p.name())) {
                    tensors.put(p.name(), Nd4j.scalar(DataType.INT64, 0L));
                    notes.add(p.name() + " missing: set to 0 (it does not enter the eval-mode function)");
                }
            }
            return new Loaded(build(file, inferred.architecture(), tensors), true, notes);
        }
        CnnArchitecture arch;
        try {
            arch = ModelIO.JSON.readValue(json, CnnArchitecture.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            if (e.getCause() instanceof IllegalArgumentException cause) reason = cause.getMessage();
            throw new IOException(file + ": metadata " + ARCHITECTURE_KEY + " is not a valid CNN architecture: " + String.valueOf(reason).replace('\n', ' '), e);
        }
        return new Loaded(build(file, arch, st.tensors()), false, List.of());
    }

    /** Reads a file's tensors as the given architecture (for a state dict whose modules inference cannot tell). */
    public static CnnModel load(Path file, CnnArchitecture architecture) throws IOException {
        return build(file, architecture, Safetensors.read(file).tensors());
    }

    private static CnnModel build(Path file, CnnArchitecture arch, Map<String, INDArray> tensors) throws IOException {
        try {
            return new CnnModel(arch, tensors);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** An inferred architecture and what was assumed to get it. */
    public record Inferred(CnnArchitecture architecture, List<String> notes) {}

    /**
     * The {@code nn.Sequential} CNN of a state dict, from its tensors' names, shapes and order alone.
     *
     * <p>From the tensors: module {@code i} owns {@code "<i>.*"}. A 4-D {@code weight} (with or
     * without a 1-D {@code bias}) is a {@code Conv2d} with a square kernel; {@code weight, bias,
     * running_mean, running_var} (and {@code num_batches_tracked}) of one length are a
     * {@code BatchNorm2d}; a 2-D {@code weight} is a {@code Linear}. Channel counts, kernel sizes
     * and biases are all in the shapes.
     *
     * <p>Not in a state dict, so assumed (and listed in {@link Inferred#notes()}): every conv has
     * stride 1 and padding {@code (k−1)/2} ("same" for odd {@code k}); batch norm's eps is
     * {@value CnnLayer.BatchNorm2d#DEFAULT_EPS}; the positions between modules with tensors hold
     * modules without: after a conv or batch norm, the first is a {@code ReLU} and a second a
     * {@code MaxPool2d(2)}; the last position before the first {@code Linear} is the
     * {@code Flatten}, and a pooling position just before it is an {@code AdaptiveAvgPool2d(1)}
     * when the linear takes exactly one input per channel, else a {@code MaxPool2d(2)}; one
     * position between linears is a {@code ReLU}. An {@code AvgPool2d} is never inferred (it has the
     * same shapes as a max pool). The shapes are then followed from the input: if the flatten does
     * not give what the first linear takes, or positions do not fit these rules, the error names
     * the modules at fault and what was assumed; such a file needs its architecture given
     * ({@link #load(Path, CnnArchitecture)}).
     *
     * <p>Residual blocks: a module with {@code conv1.weight} is a {@link CnnLayer.ResidualBlock}
     * (torchvision's {@code BasicBlock} names: {@code conv1, bn1, conv2, bn2, downsample.0,
     * downsample.1}); its stride is assumed 1 without a downsample and 2 with one (torchvision's
     * ResNets); no module without tensors may follow a block but pooling and the flatten before the
     * first linear. A ResNet written with named stages ({@code conv1, bn1, layer1.0.conv1, …, fc})
     * rather than as an {@code nn.Sequential} is not inferred.
     *
     * @param shapes tensor name → shape, in the file's order
     * @throws IllegalArgumentException one line naming what could not be inferred
     */
    public static Inferred infer(Map<String, long[]> shapes, int channels, int height, int width) {
        if (shapes.isEmpty()) throw new IllegalArgumentException("holds no tensors");
        TreeMap<Integer, Map<String, long[]>> modules = new TreeMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            int dot = name.indexOf('.');
            Integer index = null;
            if (dot > 0) {
                try {
                    index = Integer.parseInt(name.substring(0, dot));
                } catch (NumberFormatException notANumber) {
                    index = null;
                }
            }
            if (index == null || index < 0) {
                throw new IllegalArgumentException("tensor " + name + " is not named as a module of an nn.Sequential ('<index>.<tensor>', e.g. 0.weight)");
            }
            modules.computeIfAbsent(index, k -> new LinkedHashMap<>()).put(name.substring(dot + 1), e.getValue());
        }
        // the modules with tensors, by position
        TreeMap<Integer, CnnLayer> withTensors = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, long[]>> m : modules.entrySet()) withTensors.put(m.getKey(), module(m.getKey(), m.getValue()));

        List<String> notes = new ArrayList<>();
        List<CnnLayer> layers = new ArrayList<>();
        long[] shape = {channels, height, width};
        int position = 0;
        boolean convs = false;
        boolean flattened = false;
        boolean afterBlock = false;
        for (Map.Entry<Integer, CnnLayer> m : withTensors.entrySet()) {
            int index = m.getKey();
            CnnLayer layer = m.getValue();
            int gap = index - position;
            List<CnnLayer> fill = new ArrayList<>();
            if (layer instanceof CnnLayer.Linear l && !flattened) {
                if (gap < 1) {
                    throw new IllegalArgumentException("module " + index + " (Linear) follows maps directly: no position is left for a Flatten before it");
                }
                int most = afterBlock ? 2 : 3;     // a residual block ends in its own ReLU
                if (gap > most) throw new IllegalArgumentException(gapError(position, index, afterBlock ? "2 (pooling, Flatten)" : "3 (ReLU, pooling, Flatten)"));
                if (gap >= 2 && !afterBlock) fill.add(new CnnLayer.Relu());
                if (gap == most) {
                    boolean global = shape.length == 3 && l.inFeatures() == shape[0] && shape[1] * shape[2] > 1;
                    fill.add(global ? new CnnLayer.GlobalAvgPool() : new CnnLayer.MaxPool2d(2, 2));
                }
                fill.add(new CnnLayer.Flatten());
                flattened = true;
            } else if (!flattened && afterBlock && gap > 0) {
                throw new IllegalArgumentException(gapError(position, index, "0 after a residual block (it ends in its own ReLU)"));
            } else if (!flattened) {
                if (gap > 0 && !convs) {
                    throw new IllegalArgumentException("modules " + position + ".." + (index - 1) + " have no tensors and come before any conv; what they are cannot be told from a state dict");
                }
                if (gap > 2) throw new IllegalArgumentException(gapError(position, index, "2 (ReLU, MaxPool2d)"));
                if (gap >= 1) fill.add(new CnnLayer.Relu());
                if (gap == 2) fill.add(new CnnLayer.MaxPool2d(2, 2));
            } else {
                if (!(layer instanceof CnnLayer.Linear)) {
                    throw new IllegalArgumentException("module " + index + " (" + layer.describe() + ") comes after the flatten; only Linear modules can");
                }
                if (gap > 1) throw new IllegalArgumentException(gapError(position, index, "1 (ReLU)"));
                if (gap == 1) fill.add(new CnnLayer.Relu());
            }
            for (CnnLayer f : fill) {
                layers.add(f);
                shape = f.outputShape(shape);
            }
            if (layer instanceof CnnLayer.Conv2d || layer instanceof CnnLayer.ResidualBlock) convs = true;
            afterBlock = layer instanceof CnnLayer.ResidualBlock;
            try {
                shape = layer.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("module " + index + ": " + e.getMessage() + "; assumed " + describe(layers), e);
            }
            layers.add(layer);
            position = index + 1;
        }
        if (!flattened) throw new IllegalArgumentException("has no Linear (2-D weight) after its convs: the logits cannot be found");
        if (layers.stream().anyMatch(l -> l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.ResidualBlock)) {
            notes.add("convs assumed stride 1 and padding (k-1)/2; positions without tensors assumed " + describe(layers)
                    + "; batch norm eps assumed " + CnnLayer.BatchNorm2d.DEFAULT_EPS
                    + (layers.stream().anyMatch(l -> l instanceof CnnLayer.ResidualBlock r && r.projection())
                            ? "; residual blocks with a downsample assumed stride 2 (torchvision's convention)" : ""));
        }
        return new Inferred(new CnnArchitecture(channels, height, width, layers), notes);
    }

    private static String gapError(int from, int to, String most) {
        return "modules " + from + ".." + (to - 1) + " have no tensors; at most " + most + " can be inferred there, so what they are cannot be told from a state dict";
    }

    private static String describe(List<CnnLayer> layers) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) if (!layers.get(i).hasParams()) out.add(i + ": " + layers.get(i).describe());
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** The module with tensors at {@code index}, from their names and shapes. */
    private static CnnLayer module(int index, Map<String, long[]> t) {
        String what = "module " + index + " has tensors " + describeShapes(t);
        if (t.containsKey("conv1.weight")) return block(index, t, what);
        long[] w = t.get("weight");
        long[] b = t.get("bias");
        if (w == null) throw new IllegalArgumentException(what + " and no weight: not a Conv2d, BatchNorm2d or Linear");
        if (w.length == 4) {
            if (!onlyKeys(t, "weight", "bias")) throw new IllegalArgumentException(what + ": a 4-D weight is a Conv2d, which has only weight and bias");
            if (w[2] != w[3]) throw new IllegalArgumentException(what + ": only square kernels are supported, this one is " + w[2] + "x" + w[3]);
            if (b != null && (b.length != 1 || b[0] != w[0])) throw new IllegalArgumentException(what + ": the bias does not fit the conv's " + w[0] + " outputs");
            int k = (int) w[2];
            return new CnnLayer.Conv2d((int) w[1], (int) w[0], k, 1, (k - 1) / 2, b != null);
        }
        if (w.length == 2) {
            if (!onlyKeys(t, "weight", "bias")) throw new IllegalArgumentException(what + ": a 2-D weight is a Linear, which has only weight and bias");
            if (b != null && (b.length != 1 || b[0] != w[0])) throw new IllegalArgumentException(what + ": the bias does not fit the linear's " + w[0] + " outputs");
            return new CnnLayer.Linear((int) w[1], (int) w[0], b != null);
        }
        if (w.length == 1) {
            for (String n : CnnArchitecture.BATCH_NORM_VECTORS) {
                long[] s = t.get(n);
                if (s == null || s.length != 1 || s[0] != w[0]) {
                    throw new IllegalArgumentException(what + ": a 1-D weight is a BatchNorm2d, which needs weight, bias, running_mean and running_var of one length");
                }
            }
            long[] n = t.get(CnnArchitecture.NUM_BATCHES_TRACKED);
            if (n != null && n.length != 0) throw new IllegalArgumentException(what + ": num_batches_tracked must be a scalar");
            if (!onlyKeys(t, "weight", "bias", "running_mean", "running_var", CnnArchitecture.NUM_BATCHES_TRACKED)) {
                throw new IllegalArgumentException(what + ": unknown tensors for a BatchNorm2d");
            }
            return new CnnLayer.BatchNorm2d((int) w[0], CnnLayer.BatchNorm2d.DEFAULT_EPS);
        }
        throw new IllegalArgumentException(what + ": a " + w.length + "-D weight is none of Conv2d (4-D), Linear (2-D), BatchNorm2d (1-D)");
    }

    /**
     * A residual block ({@link CnnLayer.ResidualBlock}) from {@code conv1, bn1, conv2, bn2} and an
     * optional {@code downsample.0/1}; the stride is not in the tensors: 1 without a downsample,
     * assumed 2 with one.
     */
    private static CnnLayer block(int index, Map<String, long[]> t, String what) {
        long[] c1 = t.get("conv1.weight");
        long[] c2 = t.get("conv2.weight");
        if (c1.length != 4 || c2 == null || c2.length != 4) throw new IllegalArgumentException(what + ": a residual block needs 4-D conv1.weight and conv2.weight");
        int in = (int) c1[1];
        int out = (int) c1[0];
        boolean projection = t.containsKey("downsample.0.weight");
        CnnLayer.ResidualBlock block = new CnnLayer.ResidualBlock(in, out, projection ? 2 : 1);
        if (!projection && in != out) throw new IllegalArgumentException(what + ": a residual block from " + in + " to " + out + " channels needs a downsample");
        Map<String, long[]> expected = new LinkedHashMap<>();
        long[] after = block.outputShape(new long[] {in, 8, 8});
        CnnArchitecture probe = new CnnArchitecture(in, 8, 8, List.of(block, new CnnLayer.Flatten(), new CnnLayer.Linear((int) (after[0] * after[1] * after[2]), 1, false)));
        for (CnnArchitecture.Param p : probe.params()) if (p.name().startsWith("0.")) expected.put(p.name().substring(2), p.shape());
        expected.remove("bn1." + CnnArchitecture.NUM_BATCHES_TRACKED);
        expected.remove("bn2." + CnnArchitecture.NUM_BATCHES_TRACKED);
        expected.remove("downsample.1." + CnnArchitecture.NUM_BATCHES_TRACKED);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] got = t.get(e.getKey());
            if (got == null || !Arrays.equals(got, e.getValue())) {
                throw new IllegalArgumentException(what + ": as a residual block (" + block.describe() + ") it needs " + e.getKey() + " " + Arrays.toString(e.getValue()));
            }
        }
        for (String k : t.keySet()) {
            if (!expected.containsKey(k) && !k.endsWith(CnnArchitecture.NUM_BATCHES_TRACKED)) {
                throw new IllegalArgumentException(what + ": " + k + " is not a tensor of a residual block (conv1, bn1, conv2, bn2, downsample.0, downsample.1)");
            }
        }
        return block;
    }

    private static boolean onlyKeys(Map<String, long[]> t, String... allowed) {
        return List.of(allowed).containsAll(t.keySet());
    }

    private static String describeShapes(Map<String, long[]> t) {
        List<String> out = new ArrayList<>();
        t.forEach((n, s) -> out.add(n + " " + Arrays.toString(s)));
        return String.join(", ", out);
    }
}
