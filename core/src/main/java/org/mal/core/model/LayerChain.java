package org.mal.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tensors of a PyTorch state dict are the dense layers of an MLP, and in which order, whatever
 * the modules are called: {@code 0.weight} of an {@code nn.Sequential}, {@code level1.1.weight} of
 * a custom module, {@code fc_out.weight}, ...
 *
 * <p>A dense layer is a 2-D tensor {@code <p>weight} ([out, in]) with, optionally, a 1-D
 * {@code <p>bias} ([out]), where the prefix {@code <p>} is empty or ends with a dot. A layer without
 * a bias (PyTorch's {@code Linear(bias=False)}) gets a bias of zeros when made into a {@link Model},
 * which has the same function: MAL's dense layers always carry a bias, so a model written back holds a
 * {@code bias} tensor for that layer (zeros until a merge or REPAIR changes it).
 *
 * <p>Buffers that are not parameters ({@code num_batches_tracked}, {@code running_mean},
 * {@code running_var}) are ignored and reported in {@link Chain#ignored()}. Any other tensor that is
 * not a layer of the chain (a 1-D normalisation weight, a convolution kernel, a second head) is an
 * error naming it: dropping it would change the model's function.
 *
 * <p>The order of the layers, when not given: the file's order of their weights, else the natural
 * order of their prefixes (numbers compared as numbers, so {@code layers.2} comes before
 * {@code layers.10}: the order in which PyTorch registers numbered modules), else the one order in
 * which their shapes chain (tried for at most {@value #MAX_SHAPE_SEARCH} layers). It must chain from the input size to the number of classes (when those
 * are known); two orders that both chain, or several orders by shape alone, are ambiguous: the
 * caller must name the layers ({@link #named}).
 */
public final class LayerChain {
    private LayerChain() {}

    /** Most dense layers whose order is searched by shape alone (orders of equal-shaped layers grow as a factorial). */
    static final int MAX_SHAPE_SEARCH = 8;

    /** Endings of buffers that PyTorch saves in a state dict but that are not parameters of a dense chain. */
    public static final List<String> BUFFERS = List.of("num_batches_tracked", "running_mean", "running_var");

    /**
     * One dense layer of the chain.
     *
     * @param prefix the module's name prefix, e.g. {@code "level1.1."} (empty for a bare {@code weight})
     * @param weight name of its [out, in] weight
     * @param bias name of its [out] bias, or {@code null} for a layer without one
     */
    public record Link(String prefix, String weight, String bias, int inputSize, int outputSize) {}

    /**
     * The chain found: its layers in order and the tensors that were left out as buffers.
     *
     * @param how how the order was found, for a note (e.g. {@code "the file's order"})
     */
    public record Chain(List<Link> links, List<String> ignored, String how) {
        public Chain {
            links = List.copyOf(links);
            ignored = List.copyOf(ignored);
        }

        /** The MLP these layers make: ReLU between them, softmax at the end. */
        public Architecture architecture() {
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < links.size(); i++) {
                Link l = links.get(i);
                layers.add(new DenseLayer(l.inputSize(), l.outputSize(), i == links.size() - 1 ? Activation.SOFTMAX : Activation.RELU));
            }
            return new Architecture(links.get(0).inputSize(), layers);
        }

        /** The layers' prefixes without their trailing dot, as {@code --layers} takes them. */
        public List<String> prefixes() {
            return links.stream().map(l -> l.prefix().endsWith(".") ? l.prefix().substring(0, l.prefix().length() - 1) : l.prefix()).toList();
        }
    }

    /**
     * The chain of dense layers of {@code shapes} (name → shape, in the file's order).
     *
     * @param inputSize the input size the chain must start from, or 0 if unknown
     * @param classes the number of classes it must end at, or 0 if unknown
     * @throws IllegalArgumentException one line naming the tensors at fault: unexpected tensors, a
     *     bias that fits no weight, no order that chains, or several
     */
    public static Chain infer(Map<String, long[]> shapes, int inputSize, int classes) {
        Parsed p = parse(shapes);
        p.requireNoStrays(Set.of());
        List<Link> fileOrder = p.links;
        if (fileOrder.isEmpty()) throw new IllegalArgumentException("no dense layer (a 2-D '<name>.weight' tensor) among " + describe(shapes));
        List<Link> natural = new ArrayList<>(fileOrder);
        natural.sort(Comparator.comparing(Link::prefix, LayerChain::compareNatural));
        String fileBreak = chainBreak(fileOrder, inputSize, classes);
        String naturalBreak = chainBreak(natural, inputSize, classes);
        if (fileBreak == null && (naturalBreak != null || natural.equals(fileOrder))) return new Chain(fileOrder, p.ignored, "the file's order");
        if (fileBreak == null) {
            throw new IllegalArgumentException("the dense layers chain in two orders, the file's (" + names(fileOrder) + ") and by name ("
                    + names(natural) + "): name them in order with --layers");
        }
        if (naturalBreak == null) return new Chain(natural, p.ignored, "the order of their names");
        List<List<Link>> byShape = new ArrayList<>();
        if (fileOrder.size() > MAX_SHAPE_SEARCH) {
            throw new IllegalArgumentException("the " + fileOrder.size() + " dense layers do not chain in the file's order (" + fileBreak
                    + ") nor in their names' order, and there are too many to try every order; tensors: " + describe(shapes)
                    + "; name the layers in order with --layers");
        }
        chains(new ArrayList<>(), new boolean[fileOrder.size()], fileOrder, inputSize, classes, byShape);
        if (byShape.size() == 1) return new Chain(byShape.get(0), p.ignored, "their shapes");
        String target = (inputSize > 0 ? " from " + inputSize + " inputs" : "") + (classes > 0 ? " to " + classes + " classes" : "");
        if (byShape.isEmpty()) {
            throw new IllegalArgumentException("the dense layers do not chain" + target + " in any order (in the file's order, " + fileBreak
                    + "); tensors: " + describe(shapes) + "; name the layers in order with --layers");
        }
        throw new IllegalArgumentException("the dense layers chain" + target + " in several orders (e.g. " + names(byShape.get(0)) + " and "
                + names(byShape.get(1)) + ") and neither the file's order nor their names' order is one of them; tensors: "
                + describe(shapes) + "; name the layers in order with --layers");
    }

    /**
     * The chain of the layers named by {@code prefixes} (e.g. {@code level1.1}, with or without the
     * trailing dot), in that order.
     *
     * @throws IllegalArgumentException one line naming what is missing or does not fit
     */
    public static Chain named(Map<String, long[]> shapes, List<String> prefixes, int inputSize, int classes) {
        if (prefixes.isEmpty()) throw new IllegalArgumentException("--layers names no layer");
        Parsed p = parse(shapes);
        Map<String, Link> byPrefix = new LinkedHashMap<>();
        for (Link l : p.links) byPrefix.put(l.prefix(), l);
        List<Link> links = new ArrayList<>();
        for (String given : prefixes) {
            String prefix = given.isEmpty() || given.endsWith(".") ? given : given + ".";
            Link l = byPrefix.get(prefix);
            if (l == null) {
                throw new IllegalArgumentException("--layers names '" + given + "' but there is no 2-D tensor '" + prefix + "weight'; tensors: "
                        + describe(shapes));
            }
            if (links.contains(l)) throw new IllegalArgumentException("--layers names '" + given + "' twice");
            links.add(l);
        }
        Set<String> used = new java.util.HashSet<>();
        for (Link l : links) used.add(l.prefix());
        p.requireNoStrays(used);
        String broken = chainBreak(links, inputSize, classes);
        if (broken != null) throw new IllegalArgumentException("the layers named by --layers do not chain: " + broken);
        return new Chain(links, p.ignored, "--layers");
    }

    /** Dense layers (in the file's order), ignored buffers, and tensors that are neither. */
    private record Parsed(List<Link> links, List<String> ignored, List<String> strays, Map<String, long[]> shapes) {
        /** Fails on tensors that are neither buffers nor layers, and on layers not in {@code used} when it is not empty. */
        void requireNoStrays(Set<String> used) {
            List<String> bad = new ArrayList<>(strays);
            if (!used.isEmpty()) {
                for (Link l : links) {
                    if (used.contains(l.prefix())) continue;
                    bad.add(l.weight() + " " + Arrays.toString(shapes.get(l.weight())));
                    if (l.bias() != null) bad.add(l.bias() + " " + Arrays.toString(shapes.get(l.bias())));
                }
            }
            if (!bad.isEmpty()) {
                throw new IllegalArgumentException("tensors that are not dense-layer parameters of the chain: " + String.join(", ", bad)
                        + " (only Linear weights and biases and the buffers " + String.join(", ", BUFFERS) + " can be read)");
            }
        }
    }

    private static Parsed parse(Map<String, long[]> shapes) {
        Map<String, String> weights = new LinkedHashMap<>();   // prefix -> weight name, in file order
        Map<String, String> biases = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        List<String> strays = new ArrayList<>();
        for (var e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            String prefix = name.substring(0, name.length() - leaf.length());
            if (BUFFERS.contains(leaf)) {
                ignored.add(name);
            } else if (leaf.equals("weight") && shape.length == 2) {
                weights.put(prefix, name);
            } else if (leaf.equals("bias") && shape.length == 1) {
                biases.put(prefix, name);
            } else {
                strays.add(name + " " + Arrays.toString(shape));
            }
        }
        for (var b : biases.entrySet()) {
            if (!weights.containsKey(b.getKey())) strays.add(b.getValue() + " " + Arrays.toString(shapes.get(b.getValue())) + " (a bias without a 2-D weight)");
        }
        List<Link> links = new ArrayList<>();
        for (var w : weights.entrySet()) {
            long[] ws = shapes.get(w.getValue());
            String bias = biases.get(w.getKey());
            if (bias != null && shapes.get(bias)[0] != ws[0]) {
                throw new IllegalArgumentException("bias " + bias + " " + Arrays.toString(shapes.get(bias)) + " does not fit weight " + w.getValue() + " "
                        + Arrays.toString(ws) + " (a bias needs one value per output)");
            }
            if (ws[0] <= 0 || ws[1] <= 0) throw new IllegalArgumentException("weight " + w.getValue() + " has an empty shape " + Arrays.toString(ws));
            links.add(new Link(w.getKey(), w.getValue(), bias, Math.toIntExact(ws[1]), Math.toIntExact(ws[0])));
        }
        return new Parsed(links, ignored, strays, shapes);
    }

    /** Where {@code links} fail to chain (one phrase), or {@code null} when they chain from {@code inputSize} to {@code classes} (0: any). */
    private static String chainBreak(List<Link> links, int inputSize, int classes) {
        if (inputSize > 0 && links.get(0).inputSize() != inputSize) {
            return links.get(0).weight() + " takes " + links.get(0).inputSize() + " inputs but the input has " + inputSize;
        }
        for (int i = 1; i < links.size(); i++) {
            if (links.get(i).inputSize() != links.get(i - 1).outputSize()) {
                return links.get(i).weight() + " takes " + links.get(i).inputSize() + " inputs but the previous layer gives "
                        + links.get(i - 1).outputSize();
            }
        }
        Link last = links.get(links.size() - 1);
        if (classes > 0 && last.outputSize() != classes) return last.weight() + " gives " + last.outputSize() + " outputs, not the " + classes + " classes";
        return null;
    }

    /** Every order of all {@code links} that chains; stops after two (enough to call it ambiguous). */
    private static void chains(List<Link> prefix, boolean[] used, List<Link> links, int inputSize, int classes, List<List<Link>> out) {
        if (out.size() >= 2) return;
        if (prefix.size() == links.size()) {
            if (chainBreak(prefix, inputSize, classes) == null) out.add(List.copyOf(prefix));
            return;
        }
        int width = prefix.isEmpty() ? inputSize : prefix.get(prefix.size() - 1).outputSize();
        for (int i = 0; i < links.size(); i++) {
            if (used[i] || (width > 0 && links.get(i).inputSize() != width)) continue;
            used[i] = true;
            prefix.add(links.get(i));
            chains(prefix, used, links, inputSize, classes, out);
            prefix.remove(prefix.size() - 1);
            used[i] = false;
        }
    }

    /** Compares names with runs of digits as numbers: {@code layers.2 < layers.10}. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                int c = new java.math.BigInteger(a.substring(si, i)).compareTo(new java.math.BigInteger(b.substring(sj, j)));
                if (c != 0) return c;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static String names(List<Link> links) {
        return String.join(" -> ", links.stream().map(l -> l.prefix().isEmpty() ? "(top level)" : l.prefix().substring(0, l.prefix().length() - 1)).toList());
    }

    /** Each tensor with its shape, in the file's order, on one line. */
    public static String describe(Map<String, long[]> shapes) {
        List<String> each = new ArrayList<>();
        shapes.forEach((name, shape) -> each.add(name + " " + Arrays.toString(shape)));
        return each.isEmpty() ? "none" : String.join(", ", each);
    }
}
