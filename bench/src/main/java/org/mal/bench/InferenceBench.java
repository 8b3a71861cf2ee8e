package org.mal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Batched inference: {@link Model#logits} on a float32 batch, next to the bare layer matrix
 * products ({@code Nd4j.gemm} into pre-allocated outputs, no bias, no ReLU, no allocation) of the
 * same shapes. The time ratio forward / plainGemm is the overhead of our forward pass over BLAS.
 *
 * <p>Both benchmarks do {@code 2 * arch.macsPerSample() * batch} floating-point operations of
 * matrix product per call. Scores are milliseconds per call ({@link Mode#AverageTime}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 15, time = 1)
public class InferenceBench {

    /** Layer widths from input to output, e.g. {@code 784-128-128-10}: a ReLU MLP as {@link Architecture#mlp} builds it. */
    @Param({"784-128-128-10", "784-512-512-512-10"})
    public String arch;

    @Param({"256", "2000"})
    public int batch;

    private Model model;
    private INDArray x;
    /** plainGemm operands per layer: input [batch, in], weight [out, in] (used transposed), output [batch, out]. */
    private INDArray[] gemmIn;
    private INDArray[] gemmW;
    private INDArray[] gemmOut;

    @Setup
    public void setup() {
        Architecture a = parseArch(arch);
        model = Trainer.initialWeights(a, 42L);
        Dataset data = Synthetic.gaussianBlobs("bench-inference", batch, 10, a.inputSize(), a.outputSize(), 7L).train();
        x = data.features(0, batch);

        int depth = a.depth();
        gemmIn = new INDArray[depth];
        gemmW = new INDArray[depth];
        gemmOut = new INDArray[depth];
        for (int i = 0; i < depth; i++) {
            var layer = a.layers().get(i);
            // layer 0 reads the same input as forward; later layers read the previous layer's output
            gemmIn[i] = i == 0 ? x : gemmOut[i - 1];
            gemmW[i] = model.weight(i);
            gemmOut[i] = Nd4j.create(DataType.FLOAT, new long[] {batch, layer.outputSize()}, 'c');
        }
        // one call of each outside the timed region so that any lazy native initialisation is done
        model.logits(x);
        plainGemmOnce();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        bh.consume(model.logits(x));
    }

    @Benchmark
    public void plainGemm(Blackhole bh) {
        bh.consume(plainGemmOnce());
    }

    private INDArray plainGemmOnce() {
        INDArray out = null;
        for (int i = 0; i < gemmW.length; i++) {
            // the same transpose flags as Model.layerOutput: h · Wᵀ with W stored [out, in]
            out = Nd4j.gemm(gemmIn[i], gemmW[i], gemmOut[i], false, true, 1.0, 0.0);
        }
        return out;
    }

    /** {@code "784-128-128-10"} -> {@code Architecture.mlp(784, [128, 128], 10)}. */
    public static Architecture parseArch(String spec) {
        String[] parts = spec.trim().split("-");
        if (parts.length < 2) throw new IllegalArgumentException("architecture needs at least input and output width: " + spec);
        List<Integer> widths = new ArrayList<>();
        for (String p : parts) widths.add(Integer.parseInt(p.trim()));
        return Architecture.mlp(widths.get(0), widths.subList(1, widths.size() - 1), widths.get(widths.size() - 1));
    }
}
