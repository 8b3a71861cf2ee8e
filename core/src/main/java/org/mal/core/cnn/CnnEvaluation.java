package org.mal.core.cnn;

import org.mal.core.data.Dataset;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.nd4j.linalg.api.buffer.DataType;

/** Loss and accuracy of a CNN on a dataset of image rows (eval mode: batch norms use running statistics). */
public final class CnnEvaluation {
    public static final int DEFAULT_BATCH = 500;

    private CnnEvaluation() {}

    /**
     * Mean softmax cross-entropy (natural log, from the logits with the log-sum-exp shift, in
     * double) and accuracy over every row of {@code data}, whose rows are images in the model's input
     * shape, flattened C order.
     */
    public static Metrics evaluate(CnnModel model, Dataset data) {
        CnnArchitecture arch = model.architecture();
        long[] in = arch.inputShape();
        if (data.featureCount() != in[0] * in[1] * in[2]) {
            throw new IllegalArgumentException("the CNN takes " + in[0] + "x" + in[1] + "x" + in[2] + " images but dataset " + data.name() + " has "
                    + data.featureCount() + " features");
        }
        if (data.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("the CNN has " + arch.outputSize() + " outputs but dataset " + data.name() + " has " + data.classCount() + " classes");
        }
        int classes = data.classCount();
        double loss = 0;
        long correct = 0;
        for (int from = 0; from < data.size(); from += DEFAULT_BATCH) {
            int to = Math.min(data.size(), from + DEFAULT_BATCH);
            double[] z = model.logits(data.features(from, to)).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int r = 0; r < to - from; r++) {
                int at = r * classes;
                int label = data.label(from + r);
                int best = Evaluator.argMax(z, at, classes);
                if (best == label) correct++;
                loss += Evaluator.crossEntropy(z, at, classes, label, z[at + best]);
            }
        }
        return new Metrics(loss / data.size(), (double) correct / data.size(), data.size());
    }
}
