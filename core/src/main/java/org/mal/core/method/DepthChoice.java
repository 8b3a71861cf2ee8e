package org.mal.core.method;

import org.mal.core.align.DepthAlignment;
import org.mal.core.align.LayerMap;
import org.mal.core.config.Settings;

/**
 * The aligner setting {@code depth = cka}, which every aligner takes: instead of the move's layer
 * map, each hidden layer of the shallower model goes with its most similar layer of the deeper one
 * (linear CKA of their activations on {@code rows} rows of the base task's training data, order
 * kept; output layers together). {@code rows} defaults to {@value #DEFAULT_ROWS}. Every aligner
 * accepts {@code rows}: an aligner that does not read rows itself keeps it for CKA, so that one
 * {@code aligner-settings} block serves a search's plain and CKA-mapped moves alike.
 */
public record DepthChoice(int rows) {
    public static final int DEFAULT_ROWS = 2000;
    public static final String KEY = "depth";

    /** The choice in {@code s}, or null when it has no {@code depth} key. */
    public static DepthChoice from(Settings s) {
        if (!s.hasPath(KEY)) return null;
        String d = s.getString(KEY);
        if (!d.equals("cka")) throw s.invalid(KEY, "must be cka (the layer map chosen by linear CKA), got " + d);
        int rows = s.hasPath("rows") ? s.getInt("rows") : DEFAULT_ROWS;
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        return new DepthChoice(rows);
    }

    /** For aligners without a {@code rows} setting of their own: {@code rows}, if given, must still be a valid count. */
    static DepthChoice withRows(Settings s) {
        if (s.hasPath("rows") && s.getInt("rows") < 1) throw s.invalid("rows", "must be >= 1, got " + s.getInt("rows"));
        return from(s);
    }

    public LayerMap layerMap(Pair pair, MethodData data) {
        return DepthAlignment.layerMap(pair.base(), pair.target(), data.training(pair.requireBaseTask("depth = cka"), rows));
    }

    /** The layer map of an aligner with this choice (or none): CKA's, or the requested one. */
    static LayerMap layerMap(DepthChoice choice, Pair pair, LayerMap requested, MethodData data) {
        return choice == null ? requested : choice.layerMap(pair, data);
    }

    static String describe(DepthChoice choice, Aligned a) {
        return choice == null ? a.alignment().method() : a.alignment().method() + " (cka map " + a.alignment().layerMap() + ")";
    }
}
