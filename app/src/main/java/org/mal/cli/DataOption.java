package org.mal.cli;

import java.nio.file.Path;
import org.mal.core.data.DataDir;
import picocli.CommandLine.Option;

/** The {@code --data} option every command that reads datasets shares (a picocli mixin). */
public final class DataOption {
    @Option(names = "--data", defaultValue = "data", description = "Data folder (default: ${DEFAULT-VALUE}).")
    public Path path;

    public DataDir dir() { return new DataDir(path); }
}
