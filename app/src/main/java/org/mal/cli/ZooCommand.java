package org.mal.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mal.core.data.DataDir;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.InputNormalisation;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooImport;
import org.mal.core.zoo.ZooSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Build and inspect model zoos.",
        subcommands = {ZooCommand.Train.class, ZooCommand.ListCommand.class, ZooCommand.Import.class})
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
        List<String> unmeasured = report.kept().stream().filter(c -> c.holdout() != null && c.holdout().metrics() == null)
                .map(ModelCard::id).toList();
        if (!unmeasured.isEmpty()) {
            out.printf(Locale.ROOT, "note: %d kept model(s) (%s) have no accuracy on the zoo holdout on their cards (trained before it was "
                    + "recorded): the strong-base law ranks them by their own validation accuracy, which a skewed shard inflates; move "
                    + "them out of the zoo and train again to rank every model on the same rows%n", unmeasured.size(),
                    unmeasured.size() <= 3 ? String.join(", ", unmeasured) : String.join(", ", unmeasured.subList(0, 3)) + ", …");
        }
        return zoo;
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Bring models trained elsewhere (PyTorch state dicts saved as .safetensors, under any module names) into a "
                    + "zoo as zoo models like the ones MAL trains: MAL's tensor names and a card with the task, the source file's name and "
                    + "SHA-256, and validation and test metrics measured now (validation on the zoo's held-out rows of the task when its "
                    + "trained models name some, else on the task's whole training set). The dense layers are found from the tensors' "
                    + "shapes and names (--layers names them when that is ambiguous); layers without a bias get zeros; buffers such as "
                    + "num_batches_tracked are ignored with a note. A declared input normalisation (--input-mean, --input-std) is folded "
                    + "into the first layer; without one the model is taken as trained on inputs in [0, 1], as MAL feeds them. An id the "
                    + "zoo already has is refused unless --force is given."})
    static final class Import implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "FILE", description = "safetensors files (PyTorch state dicts).")
        List<Path> files;

        @Option(names = "--zoo", required = true, description = "Zoo folder to import into (created if needed).")
        Path zooDir;

        @Option(names = "--task", required = true, description = "The task the models were trained on: mnist or fashion-mnist.")
        String task;

        @Option(names = "--id", split = ",", description = "Zoo ids, one per FILE in order (default: each file's name without .safetensors).")
        List<String> ids;

        @Option(names = "--input-mean", description = "The mean the models' inputs were normalised with, (x - mean) / std (e.g. 0.1307).")
        Double inputMean;

        @Option(names = "--input-std", description = "The std the models' inputs were normalised with (e.g. 0.3081).")
        Double inputStd;

        @Option(names = "--layers", split = ",", description = "The dense layers' module prefixes in order, e.g. level1.1,level2.1 "
                + "(for tensors level1.1.weight, level1.1.bias, ...), when they cannot be inferred.")
        List<String> layers;

        @Option(names = "--force", description = "Replace zoo models that have the same id.")
        boolean force;

        @picocli.CommandLine.Mixin
        DataOption data;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!DataDir.KNOWN.contains(task)) throw new UsageError("--task: unknown task '" + task + "'; known: " + String.join(", ", DataDir.KNOWN));
            if ((inputMean == null) != (inputStd == null)) throw new UsageError("--input-mean and --input-std go together");
            if (ids != null && ids.size() != files.size()) {
                throw new UsageError("--id gives " + ids.size() + " id(s) for " + files.size() + " file(s); give one per file, in order");
            }
            InputNormalisation norm;
            try {
                norm = inputMean == null ? null : new InputNormalisation(inputMean, inputStd);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            List<ZooImport.Request> requests = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < files.size(); i++) {
                String id = ids != null ? ids.get(i) : ZooImport.defaultId(files.get(i));
                if (!seen.add(id)) throw new UsageError("two files would be imported as '" + id + "'; give distinct ids with --id");
                try {
                    requests.add(new ZooImport.Request(files.get(i), id, task, layers, norm, force));
                } catch (IllegalArgumentException e) {
                    throw new UsageError(e.getMessage());
                }
            }
            Zoo zoo = new Zoo(zooDir);
            TaskData taskData = data.dir().load(task);
            for (var r : requests) {
                var result = ZooImport.run(zoo, r, taskData);
                ModelCard c = result.card();
                out.printf(Locale.ROOT, "imported %s as %s (%s): validation accuracy %.2f%% (loss %.4f) on %s; test accuracy %.2f%% "
                                + "(loss %.4f) on the %d rows of %s; wrote %s%n", r.source(), c.id(), c.architecture().describe(),
                        100 * c.validation().accuracy(), c.validation().loss(), c.imported().validationRows(), 100 * c.test().accuracy(),
                        c.test().loss(), c.test().samples(), c.dataset().testName(), result.file());
                for (String note : result.notes()) out.println("  " + note);
            }
            out.println("list the zoo with: ./mal zoo list --zoo " + zoo.dir());
            return 0;
        }
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

        /** {@code iid 1/4}, {@code dir α=0.5 2/4}, {@code all} (no shard) or {@code -} (no card, or imported). */
        private static String shard(ModelCard card) {
            if (card == null || card.imported() != null) return "-";   // an imported model's training rows are unknown
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

        /** A CNN file read whole: its tensors must hash to its card's weights and be finite. */
        private static void checkCnn(Zoo.Entry e) throws java.io.IOException {
            org.mal.core.cnn.CnnModel m = org.mal.core.cnn.CnnIO.load(e.file()).model();
            String hash = org.mal.core.model.Model.hashParams(m.params());
            if (!hash.equals(e.card().get().weightsHash())) {
                throw new java.io.IOException(e.file() + ": its weights hash to " + hash + " but its card names " + e.card().get().weightsHash());
            }
            for (var t : m.params().values()) {
                if (t.dataType().isFPType() && (t.isNaN().any() || t.isInfinite().any())) throw new java.io.IOException(e.file() + ": non-finite weights");
            }
        }

        /** A CNN's widths as a zoo config names them: the output channels of each plain conv and of each residual block. */
        static List<Integer> convWidths(org.mal.core.cnn.CnnArchitecture cnn) {
            List<Integer> out = new ArrayList<>();
            for (var layer : cnn.layers()) {
                if (layer instanceof org.mal.core.cnn.CnnLayer.Conv2d c) out.add(c.outChannels());
                else if (layer instanceof org.mal.core.cnn.CnnLayer.ResidualBlock r) out.add(r.outChannels());
            }
            return out;
        }

        private static boolean isResidual(org.mal.core.cnn.CnnArchitecture cnn) {
            return cnn.layers().stream().anyMatch(l -> l instanceof org.mal.core.cnn.CnnLayer.ResidualBlock);
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
                        if (e.card().isPresent() && e.card().get().convolutional()) checkCnn(e);
                        else ModelIO.load(e.file());
                    } catch (java.io.IOException | RuntimeException damaged) {
                        problems.put(e.id(), Main.oneLine(damaged));
                        status = "damaged";
                    }
                }
                ModelCard card = e.card().orElse(null);
                List<Integer> hidden = card != null && card.convolutional() ? convWidths(card.cnn()) : e.architecture().orElseThrow().hiddenWidths();
                String widths = String.join("-", hidden.stream().map(String::valueOf).toList());
                ModelCard.Recipe recipe = card != null ? card.recipe() : null;
                table.row(e.id(),
                        status,
                        card == null ? "imported" : card.convolutional() ? (isResidual(card.cnn()) ? "resnet " : "cnn ") + card.family() : card.family(),
                        String.valueOf(hidden.size()),
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
            out.printf(Locale.ROOT, "%d models (%d ok%s); depth = hidden layers (CNNs: conv layers, a residual block counting as one; widths = channels); rows = the task's training rows the model trained and "
                    + "validated on (\"-N\": N rows of the task held out from every model of the zoo); "
                    + "holdout acc = accuracy on those held-out rows (the same rows for every model of a task)%n", entries.size(),
                    entries.size() - problems.size(), checkWeights ? ", weights checked" : ", headers only");
            problems.forEach((id, why) -> out.println(id + ": " + why));
            return problems.isEmpty();
        }
    }
}
