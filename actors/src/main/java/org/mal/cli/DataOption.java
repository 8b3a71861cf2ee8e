package org.mal.cli;

import java.nio.file.Path;
import org.mal.core.data.DataDir;
import picocli.CommandLine.Option;

/** The {@code --data} option every command that reads datasets shares (a picocli mixin). */
final class DataOption {
    @Option(names = "--data", defaultValue = "data", description = "Data folder (default: ${DEFAULT-VALUE}).")
    Path path;

    DataDir dir() { return new DataDir(path); }
}
