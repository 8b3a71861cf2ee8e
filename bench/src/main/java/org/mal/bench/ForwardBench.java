package org.mal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.data.Synthetic;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The forward pass against its bare matrix products (issue 20), in one run with interleaved
 * repetitions: {@code Model.logits} as it is now (one fused native call per layer, {@code relu_layer}),
 * the forward pass as it was before issue 20 (product into a new array, then bias and ReLU as two
 * more ops), and the same products alone ({@code Nd4j.gemm} into preallocated outputs, no bias, no
 * ReLU, no allocation: InferenceBench's {@code plainGemm}). Reports medians and the forward pass's
 * rate as a share of the bare GEMM rate (bare time ÷ forward time).
 *
 * <p>Usage: {@code ForwardBench [REPS] [ARCH,BATCH ...]}, default 784-128-128-10 and 784-512-512-512-10 at
 * batch 256 and 2000.
 */
public final class ForwardBench {
    public static void main(String[] args) {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 61;
        List<String> cases = new ArrayList<>();
        for (int i = 1; i < args.length; i++) cases.add(args[i]);
        if (cases.isEmpty()) cases = List.of("784-128-128-10,256", "784-128-128-10,2000", "784-512-512-512-10,256", "784-512-512-512-10,2000");
        System.out.printf(Locale.ROOT, "forward benchmark: %d interleaved reps per case; OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s; %s; code %s%n", reps,
                System.getenv("OMP_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"), Platform.describe(), Platform.codeVersion());
        System.out.println();
        System.out.println("| arch | batch | bare GEMM ms | forward ms (now) | forward ms (before) | bare / now | bare / before | before / now | GFLOP/s bare, now |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (String c : cases) {
            String[] ab = c.split(",");
            Architecture a = InferenceBench.parseArch(ab[0]);
            int batch = Integer.parseInt(ab[1]);
            Model model = Trainer.initialWeights(a, 42L);
            INDArray x = Synthetic.gaussianBlobs("bench-forward", batch, 10, a.inputSize(), a.outputSize(), 7L).train().features(0, batch);
            INDArray[] out = new INDArray[a.depth()];
            for (int i = 0; i < a.depth(); i++) out[i] = Nd4j.create(DataType.FLOAT, new long[] {batch, a.layers().get(i).outputSize()}, 'c');
            Runnable bare = () -> {
                INDArray h = x;
                for (int i = 0; i < a.depth(); i++) h = Nd4j.gemm(h, model.weight(i), out[i], false, true, 1.0, 0.0);
            };
            Runnable now = () -> model.logits(x);
            Runnable before = () -> before(model, x);
            for (int w = 0; w < 10; w++) {
                bare.run();
                now.run();
                before.run();
            }
            List<Double> tb = new ArrayList<>();
            List<Double> tn = new ArrayList<>();
            List<Double> to = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                tb.add(time(bare));
                tn.add(time(now));
                to.add(time(before));
            }
            double b = Median.of(tb);
            double n = Median.of(tn);
            double o = Median.of(to);
            double flops = 0;
            for (var l : a.layers()) flops += 2.0 * batch * l.inputSize() * l.outputSize();
            System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f | %.1f, %.1f |%n", ab[0], batch, b * 1e3, n * 1e3, o * 1e3,
                    b / n, b / o, o / n, flops / b / 1e9, flops / n / 1e9);
        }
    }

    /** The forward pass before issue 20: {@code h·Wᵀ} into a new array, then bias and ReLU in place, layer by layer. */
    private static INDArray before(Model m, INDArray x) {
        INDArray h = x;
        for (int i = 0; i < m.architecture().depth(); i++) {
            INDArray z = Nd4j.gemm(h, m.weight(i), false, true);
            z.addiRowVector(m.bias(i));
            if (m.architecture().layers().get(i).activation() == Activation.RELU) Transforms.relu(z, false);
            h = z;
        }
        return h;
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }
}
