package org.mal.engine;

import com.typesafe.config.Config;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.method.Aligned;
import org.mal.core.method.Aligner;
import org.mal.core.method.MethodData;
import org.mal.core.method.Pair;

/** A plug-in aligner, as a user would write one: named by its class, its settings from a Config. */
public final class PaddingAligner implements Aligner {
    final String label;

    public PaddingAligner(Config settings) { this.label = settings.hasPath("label") ? settings.getString("label") : "padding"; }

    @Override public String name() { return getClass().getName(); }

    @Override
    public Aligned align(Pair pair, LayerMap map, MethodData data) {
        Alignment a = WeightMatching.naive(pair.base(), pair.target(), map);
        Alignment named = new Alignment(label, a.layerMap(), a.matches(), a.objectiveBefore(), a.objectiveAfter(), a.sweeps(), a.seconds());
        return new Aligned(named, Transplant.alignedTensors(pair.base(), pair.target(), named));
    }
}
