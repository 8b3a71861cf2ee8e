package org.mal.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.core.model.ModelCard;
import org.mal.core.train.Optimizer;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one MLP (ReLU hidden layers, softmax output) and write it as safetensors with its model card.")
final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", required = true, description = "mnist or fashion-mnist.")
    String dataset;

    @Option(names = "--widths", required = true, split = ",", description = "Hidden widths, e.g. 128,128.")
    List<Integer> widths;

    @Option(names = "--out", required = true, description = "Output file (.safetensors); its name is the model id.")
    Path out;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, sgd or momentum (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", split = ",", defaultValue = "1e-3",
            description = "Learning rate; several (comma-separated) keep the best on validation data (default: ${DEFAULT-VALUE}).")
    List<Double> learningRates;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "Minibatch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of weights and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--validation", defaultValue = "0.1",
            description = "Share of the training set held out for validation (default: ${DEFAULT-VALUE}).")
    double validation;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName().toString();
        if (!name.endsWith(Zoo.EXTENSION)) throw new UsageError("--out must end with " + Zoo.EXTENSION + ": " + out);
        if (Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists; pass --force to overwrite it");
        if (widths.stream().anyMatch(w -> w == null || w <= 0)) throw new UsageError("--widths must be positive: " + widths);
        for (double rate : learningRates) {
            if (!(rate > 0) || Double.isInfinite(rate)) throw new UsageError("--lr must be positive numbers, got " + rate);
        }
        if (!(validation > 0 && validation < 1)) throw new UsageError("--validation must be in (0, 1), got " + validation);
        if (epochs < 1) throw new UsageError("--epochs must be >= 1, got " + epochs);
        if (batch < 1) throw new UsageError("--batch must be >= 1, got " + batch);
        String id = name.substring(0, name.length() - Zoo.EXTENSION.length());
        ZooSpec.Training training = new ZooSpec.Training(Optimizer.parse(optimizer), learningRates, epochs, batch, seed, validation);
        ZooSpec.Entry entry = new ZooSpec.Entry(id, dataset, "custom", widths);
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        ModelCard card;
        try (TrainingProgress progress = new TrainingProgress(spec.commandLine().getOut())) {
            card = ZooBuilder.trainEntry(entry, training, seed, data.dir().load(dataset), out, 0, 1, progress);
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "%s: %s on %s, train acc %.2f%%, test acc %.2f%% (loss %.4f), %.1f s -> %s%n",
                id, card.architecture().describe(), dataset, 100 * card.train().accuracy(), 100 * card.test().accuracy(),
                card.test().loss(), card.recipe().trainSeconds(), out);
        return 0;
    }
}
