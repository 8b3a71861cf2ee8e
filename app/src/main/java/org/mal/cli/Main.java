package org.mal.cli;

import org.mal.experiments.CnnPairCommand;
import org.mal.experiments.CnnPairsCommand;
import org.mal.experiments.Figure1CnnCommand;
import org.mal.experiments.Figure1Command;
import org.mal.experiments.GainCheckCommand;
import org.mal.experiments.LawsCheckCommand;
import org.mal.experiments.LearningCheckCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code mal} command line. Errors print as one line ({@code mal: <message>}) with exit code 1;
 * {@code --verbose} adds the stack trace. Usage errors (picocli's, and {@link UsageError}s that
 * commands throw for bad option values) print one line pointing to {@code --help} and exit with 2.
 */
@Command(name = "mal",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Model Assembly Learning: assemble a base network from layers of a heterogeneous model zoo.",
        subcommands = {DemoCommand.class, DataCommand.class, ZooCommand.class, TrainCommand.class, MergeCommand.class, LawsCheckCommand.class, LearningCheckCommand.class, GainCheckCommand.class, SearchCommand.class, ExportCommand.class, ReportCommand.class, StoreCommand.class, Figure1Command.class, WorkerCommand.class, CnnPairCommand.class, CnnPairsCommand.class, Figure1CnnCommand.class},
        scope = CommandLine.ScopeType.INHERIT)
public final class Main implements Runnable {

    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing; see 'mal --help'");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, args) -> usage(e.getCommandLine(), e.getMessage()));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UsageError) return usage(commandLine, e.getMessage());
            boolean verbose = parseResult.originalArgs().contains("--verbose");
            String hint = e instanceof org.mal.store.DamagedStoreException d
                    ? "; ./mal store repair " + d.store() + " tries to recover it (after copying the folder to a backup next to it)" : "";
            commandLine.getErr().println("mal: " + oneLine(e) + hint);
            if (verbose) e.printStackTrace(commandLine.getErr());
            commandLine.getErr().flush();
            return 1;
        });
        return cli;
    }

    /** A usage error: one line that points to the command's help (not the whole usage text), exit code 2. */
    private static int usage(CommandLine commandLine, String message) {
        commandLine.getErr().println("mal: " + message.strip().replace('\n', ' ') + " (see '" + commandLine.getCommandSpec().qualifiedName()
                + " --help')");
        commandLine.getErr().flush();
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** The exception's message, or its class when it has none, with causes that add information. */
    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) message = e.getClass().getSimpleName();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += " (" + cause.getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mal " + org.mal.core.Platform.codeVersion(), org.mal.core.Platform.describe()};
        }
    }
}
