package org.mal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.mal.core.Platform;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.model.Metrics;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;
import org.mal.core.zoo.CnnZooArchitectures;
import org.mal.core.zoo.ZooSpec;

/**
 * Resident memory of CNN training over epochs (issue 21): trains a plain zoo CNN (conv-BN-ReLU per width,
 * {@link CnnZooArchitectures}) with Adam, lr 3e-3, batch 64, on the first ROWS rows of Fashion-MNIST for EPOCHS
 * epochs, and prints the process's resident set ({@code VmRSS} of {@code /proc/self/status}), JavaCPP's count of
 * off-heap bytes it allocated ({@code Pointer.totalBytes}), its physical-bytes reading, the Java heap in use and committed every
 * EVERY optimizer steps and at each epoch's end; the peak RSS ({@code VmHWM}) at the end. Run it with the JVM options
 * under test (e.g. {@code -Xmx8g}, without {@code -Dorg.bytedeco.javacpp.maxbytes}); put an older
 * {@code mal-core} jar first on the class path to measure that build's trainer.
 *
 * <p>Usage: {@code CnnTrainingMemory [DATA] [ROWS] [EPOCHS] [EVERY] [WIDTHS]}, default {@code data 6400 4 50 16,32,32}.
 */
public final class CnnTrainingMemory {
    public static void main(String[] args) throws IOException {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 6_400;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int every = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        List<Integer> widths = java.util.Arrays.stream((args.length > 4 ? args[4] : "16,32,32").split(",")).map(Integer::parseInt).toList();
        CnnArchitecture arch = CnnZooArchitectures.of(ZooSpec.Network.CNN, widths, 1, 28, 28, 10);
        Dataset all = new DataDir(data).load("fashion-mnist").train();
        int[] first = new int[Math.min(rows, all.size())];
        for (int i = 0; i < first.length; i++) first[i] = i;
        Dataset train = all.subset("fashion-mnist-first-" + first.length, first);
        String trainer = CnnTrainer.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        System.out.printf(Locale.ROOT, "CNN training memory: %s (%d parameters), Adam lr 3e-3, batch 64, %d rows, %d epochs; max heap %d MB, "
                        + "JavaCPP maxBytes %d MB, maxPhysicalBytes %d MB; trainer from %s; %s%n", arch.describe(), arch.parameterCount(), train.size(), epochs,
                Runtime.getRuntime().maxMemory() >> 20, Pointer.maxBytes() >> 20, Pointer.maxPhysicalBytes() >> 20, trainer, Platform.describe());
        System.out.println("when | step | RSS MB | JavaCPP bytes MB | JavaCPP physical MB | heap used MB | heap committed MB | s");
        long started = System.nanoTime();
        print("start", 0, started);
        CnnTrainer.train(arch, train, new TrainConfig(Optimizer.ADAM, 3e-3, epochs, 64, 1), new TrainingListener() {
            long step;

            @Override
            public void stepDone(long s, long total) {
                step = s;
                if (s % every == 0) print("step", s, started);
            }

            @Override
            public void epochDone(int epoch, Metrics monitor) {
                print("epoch " + epoch + String.format(Locale.ROOT, " (monitor loss %.4f)", monitor.loss()), step, started);
            }
        });
        print("end", -1, started);
        System.out.printf(Locale.ROOT, "peak RSS (VmHWM) %d MB%n", status("VmHWM") >> 10);
    }

    private static void print(String when, long step, long started) {
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "%s | %d | %d | %d | %d | %d | %d | %.1f%n", when, step, status("VmRSS") >> 10, Pointer.totalBytes() >> 20,
                Pointer.physicalBytes() >> 20, (rt.totalMemory() - rt.freeMemory()) >> 20, rt.totalMemory() >> 20, (System.nanoTime() - started) / 1e9);
        System.out.flush();
    }

    /** A {@code kB} field of {@code /proc/self/status}, in kB. */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
