package org.mal.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.core.data.DataDir;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Build and inspect model zoos.",
        subcommands = {ZooCommand.Train.class, ZooCommand.ListCommand.class})
final class ZooCommand implements Runnable {
    /** Where zoos go when no --zoo is given: zoos/<name from the config>. */
    static final String ZOOS = "zoos";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads a HOCON file, naming it when it is missing. */
    static Config loadConfig(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("config file " + file + " does not exist");
        return ConfigFactory.parseFile(file.toFile()).resolve();
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train every model of a zoo config that the zoo folder does not hold yet "
                    + "(models already there are kept, not retrained).")
    static final class Train implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Option(names = "--conf", required = true, description = "Zoo config (HOCON), e.g. conf/zoo-default.conf.")
        Path conf;

        @Option(names = "--zoo", description = "Zoo folder (default: zoos/<zoo.name>).")
        Path zooDir;

        @picocli.CommandLine.Mixin
        DataOption data;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = command.commandLine().getOut();
            Zoo zoo = build(conf, zooDir, data.dir(), out);
            out.println("list the zoo with: ./mal zoo list --zoo " + zoo.dir());
            return 0;
        }
    }

    /**
     * Trains what the zoo of config {@code conf} lacks, with progress on {@code out}; the zoo folder is
     * {@code zooDir} or {@code zoos/<zoo.name>}. Shared by {@code zoo train} and {@code demo}.
     */
    static Zoo build(Path conf, Path zooDir, DataDir data, PrintWriter out) throws java.io.IOException {
        ZooSpec spec = ZooSpec.from(loadConfig(conf));
        Zoo zoo = new Zoo(zooDir != null ? zooDir : Path.of(ZOOS, spec.name()));
        out.printf(Locale.ROOT, "== zoo '%s': %d models (%d architectures x %d datasets%s) in %s (from %s)%n",
                spec.name(), spec.entries().size(), spec.architectures().size(), spec.datasets().size(),
                spec.architectures().stream().anyMatch(a -> a.shards() != null) ? ", one model per shard" : "", zoo.dir(), conf);
        if (spec.training().holdoutRows() > 0) {
            out.printf(Locale.ROOT, "   %d rows of each task's training set are held out from every model (stratified, seed %d)%n",
                    spec.training().holdoutRows(), spec.training().seed());
        }
        ZooBuilder.Report report;
        try (TrainingProgress progress = new TrainingProgress(out)) {
            report = new ZooBuilder(spec, zoo, data::load).build(progress);
        }
        out.printf(Locale.ROOT, "trained %d, kept %d already present%n", report.trained().size(), report.kept().size());
        return zoo;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"Print the models of a zoo as a table, with each "
            + "file's status: ok, unreadable (its header or card cannot be read) or damaged (its weights do not hash to what its "
            + "card says, or hold NaN or infinite values); the reason for each one that is not ok follows the table. Exits 1 "
            + "when a file is not ok."})
    static final class ListCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--zoo", defaultValue = "zoos/default", description = "Zoo folder (default: ${DEFAULT-VALUE}).")
        Path zooDir;

        @Option(names = "--headers-only", description = "Read the files' headers only (quicker on a big zoo): damaged weights go unnoticed.")
        boolean headersOnly;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(zooDir)) throw new IllegalArgumentException("zoo folder " + zooDir + " does not exist");
            List<Zoo.Entry> entries = new Zoo(zooDir).list();
            return print(entries, !headersOnly, spec.commandLine().getOut()) ? 0 : 1;
        }

        private static String percent(Metrics m) {
            return m == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * m.accuracy());
        }

        /** {@code iid 1/4}, {@code dir α=0.5 2/4}, {@code all} (no shard) or {@code -} (no card). */
        private static String shard(ModelCard card) {
            if (card == null) return "-";
            ModelCard.Shard s = card.shard();
            return s == null ? "all" : org.mal.core.zoo.ShardSpec.describe(s.iid(), s.alpha(), s.index(), s.count());
        }

        /** Rows the model trained and validated on, with {@code +h} when the zoo held rows out of the task. */
        private static String rows(ModelCard card) {
            if (card == null || card.train() == null) return "-";
            int rows = card.shard() != null ? card.shard().rows()
                    : card.train().samples() + (card.validation() != null ? card.validation().samples() : 0);
            return card.holdout() != null ? rows + " (-" + card.holdout().rows() + ")" : String.valueOf(rows);
        }

        /** Reads headers only (the zoo was just trained here, or the weights are checked elsewhere). */
        static void print(List<Zoo.Entry> entries, PrintWriter out) { print(entries, false, out); }

        /**
         * The table, then one line per file that is not ok saying why; with {@code checkWeights}, every
         * file is read whole (its weights hashed against its card and checked for non-finite values).
         * Returns whether every file is ok.
         */
        static boolean print(List<Zoo.Entry> entries, boolean checkWeights, PrintWriter out) {
            Table table = new Table("id", "status", "shape", "depth", "widths", "dataset", "shard", "rows", "lr", "epochs", "val acc",
                    "holdout acc", "test acc", "test loss", "train s");
            Map<String, String> problems = new LinkedHashMap<>();
            for (Zoo.Entry e : entries) {
                if (e.problem().isPresent()) {
                    problems.put(e.id(), e.problem().get());
                    table.row(e.id(), "unreadable", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
                    continue;
                }
                String status = "ok";
                if (checkWeights) {
                    try {
                        ModelIO.load(e.file());
                    } catch (java.io.IOException | RuntimeException damaged) {
                        problems.put(e.id(), Main.oneLine(damaged));
                        status = "damaged";
                    }
                }
                Architecture arch = e.architecture().orElseThrow();
                String widths = String.join("-", arch.hiddenWidths().stream().map(String::valueOf).toList());
                ModelCard card = e.card().orElse(null);
                ModelCard.Recipe recipe = card != null ? card.recipe() : null;
                table.row(e.id(),
                        status,
                        card != null ? card.family() : "imported",
                        String.valueOf(arch.hiddenWidths().size()),
                        widths,
                        card != null && card.dataset() != null ? card.dataset().task() : "-",
                        shard(card),
                        rows(card),
                        recipe != null ? String.format(Locale.ROOT, "%.0e", recipe.learningRate()) : "-",
                        recipe != null ? String.valueOf(recipe.epochs()) : "-",
                        percent(card != null ? card.validation() : null),
                        percent(card != null && card.holdout() != null ? card.holdout().metrics() : null),
                        percent(card != null ? card.test() : null),
                        card != null && card.test() != null ? String.format(Locale.ROOT, "%.4f", card.test().loss()) : "-",
                        recipe != null ? String.format(Locale.ROOT, "%.1f", recipe.trainSeconds()) : "-");
            }
            table.print(out);
            out.printf(Locale.ROOT, "%d models (%d ok%s); depth = hidden layers; rows = the task's training rows the model trained and "
                    + "validated on (\"-N\": N rows of the task held out from every model of the zoo); "
                    + "holdout acc = accuracy on those held-out rows (the same rows for every model of a task)%n", entries.size(),
                    entries.size() - problems.size(), checkWeights ? ", weights checked" : ", headers only");
            problems.forEach((id, why) -> out.println(id + ": " + why));
            return problems.isEmpty();
        }
    }
}
