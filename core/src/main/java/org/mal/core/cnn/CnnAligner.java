package org.mal.core.cnn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CNN aligners by name, as {@code org.mal.core.method.Aligner} names the MLP ones
 * ({@code naive}, {@code weight}, {@code activation}, {@code zip}). A separate interface because the MLP one is
 * typed to MLPs end to end ({@code Pair} holds {@code Model}s, {@code Aligned} holds an
 * {@code Alignment} whose unit groups are dense-layer indices); a CNN's groups are the permutation
 * spec's names ({@code P_4}, {@code P_3.inner}) and its alignment a {@link CnnAlignment}.
 */
public sealed interface CnnAligner {
    List<String> NAMES = List.of(Naive.NAME, Weight.NAME, Activation.NAME, Zip.NAME);

    String name();

    /**
     * Aligns the target's channels to the base's; {@code trainingImages} (training rows, never test
     * rows) are read only by aligners that need data.
     */
    CnnAlignment align(CnnModel base, CnnModel target, INDArray trainingImages);

    /** The aligner of that name with default settings; an error lists the names. */
    static CnnAligner of(String name) {
        return switch (name) {
            case Naive.NAME -> new Naive();
            case Weight.NAME -> new Weight(CnnChannelMatching.Settings.DEFAULT);
            case Activation.NAME -> new Activation(Activation.DEFAULT_BATCH);
            case Zip.NAME -> new Zip(org.mal.core.align.Zip.Settings.DEFAULT, Activation.DEFAULT_BATCH);
            default -> throw new IllegalArgumentException("unknown CNN aligner " + name + "; use one of " + NAMES);
        };
    }

    /** Channel {@code p} to channel {@code p} ({@link CnnChannelMatching#naive}). */
    record Naive() implements CnnAligner {
        public static final String NAME = "naive";

        @Override public String name() { return NAME; }

        @Override public CnnAlignment align(CnnModel base, CnnModel target, INDArray trainingImages) { return CnnChannelMatching.naive(base, target); }
    }

    /** Weight matching with generalized permutations ({@link CnnChannelMatching#align}). */
    record Weight(CnnChannelMatching.Settings settings) implements CnnAligner {
        public static final String NAME = "weight";

        @Override public String name() { return NAME; }

        @Override public CnnAlignment align(CnnModel base, CnnModel target, INDArray trainingImages) { return CnnChannelMatching.align(base, target, settings); }
    }

    /** Activation matching on the training images, in batches of {@code batchSize} ({@link CnnActivationMatching}). */
    record Activation(int batchSize) implements CnnAligner {
        public static final String NAME = "activation";
        public static final int DEFAULT_BATCH = 250;

        public Activation {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }

        @Override public String name() { return NAME; }

        @Override
        public CnnAlignment align(CnnModel base, CnnModel target, INDArray trainingImages) {
            if (trainingImages == null) throw new IllegalArgumentException("activation matching needs training images");
            return CnnActivationMatching.align(base, target, trainingImages, batchSize);
        }
    }

    /**
     * ZipIt! on channels ({@link CnnZip}) on the training images, in batches of {@code batchSize}:
     * target channels averaged into the base's; follow it with the batch-norm reset (see {@link CnnZip}).
     */
    record Zip(org.mal.core.align.Zip.Settings settings, int batchSize) implements CnnAligner {
        public static final String NAME = "zip";

        public Zip {
            if (settings == null) throw new IllegalArgumentException("zip needs its settings (decay, budget)");
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }

        @Override public String name() { return NAME; }

        @Override
        public CnnAlignment align(CnnModel base, CnnModel target, INDArray trainingImages) {
            if (trainingImages == null) throw new IllegalArgumentException("zip needs training images");
            return CnnZip.align(base, target, trainingImages, batchSize, settings);
        }
    }
}
