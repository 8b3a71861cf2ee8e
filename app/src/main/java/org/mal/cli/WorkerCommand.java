package org.mal.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.mal.actors.WorkerNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mal worker}: a worker node for a search running with {@code search.cluster.enabled = true}. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Start a worker node that joins a search's cluster and evaluates moves until stopped (Ctrl-C / SIGTERM "
                + "leaves the cluster). The models come from the search's node over the cluster, checked by their SHA-256 and "
                + "kept in --blobs (search.cluster.files = transfer, the default); with files = shared they are read from the "
                + "zoo and search folders at the same paths as on the search's machine (a shared folder). The data come from --data."})
final class WorkerCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--join", required = true, description = "The search's cluster address, HOST:PORT (search.cluster.host/port).")
    String join;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "This node's address, reachable from the search's machine "
            + "(default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "This node's port (default: ${DEFAULT-VALUE}, any free one).")
    int port;

    @Option(names = "--workers", defaultValue = "0", description = "Workers on this node (default: one per core).")
    int workers;

    @Option(names = "--stable-after", defaultValue = "5", description = "Seconds a node may stay unreachable before it is downed "
            + "(default: ${DEFAULT-VALUE}; use the search's value).")
    double stableAfter;

    @Option(names = "--blobs", description = "This node's own folder of model files fetched from the search (default: "
            + "~/.cache/mal/blobs, or $XDG_CACHE_HOME/mal/blobs).")
    java.nio.file.Path blobs;

    @Option(names = "--max-transfer-mbps", defaultValue = "0", description = "At most this many megabytes per second per model "
            + "transfer (default: ${DEFAULT-VALUE}, no limit).")
    double maxTransferMbps;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        int n = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        if (maxTransferMbps < 0) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(), "--max-transfer-mbps must be >= 0, got " + maxTransferMbps);
        }
        java.nio.file.Path folder = blobs != null ? blobs : defaultBlobs();
        var fetching = org.mal.actors.BlobFetcher.Settings.DEFAULT.withBytesPerSecond((long) (maxTransferMbps * 1e6));
        var system = WorkerNode.start(join, host, port, n, stableAfter, data.dir()::load, folder, fetching);
        out.printf("worker node %s with %d workers joined %s; model blobs in %s; Ctrl-C to leave%n", system.address(), n, join, folder);
        out.flush();
        system.getWhenTerminated().toCompletableFuture().get();
        return 0;
    }

    private static java.nio.file.Path defaultBlobs() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        java.nio.file.Path cache = xdg != null && !xdg.isBlank() ? java.nio.file.Path.of(xdg)
                : java.nio.file.Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("mal").resolve("blobs");
    }
}
