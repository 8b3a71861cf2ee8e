package org.mal.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.mal.actors.WorkerNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mal worker}: a worker node for a search running with {@code search.cluster.enabled = true}. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Start a worker node that joins a search's cluster and evaluates moves until stopped (Ctrl-C / SIGTERM "
                + "leaves the cluster). The zoo and the search folder must be reachable at the same paths as on the "
                + "search's machine (a shared folder); the data comes from --data."})
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

    @picocli.CommandLine.Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        int n = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        var system = WorkerNode.start(join, host, port, n, stableAfter, data.dir()::load);
        out.printf("worker node %s with %d workers joined %s; Ctrl-C to leave%n", system.address(), n, join);
        out.flush();
        system.getWhenTerminated().toCompletableFuture().get();
        return 0;
    }
}
