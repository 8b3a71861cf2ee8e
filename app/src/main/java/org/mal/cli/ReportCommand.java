package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mal.actors.Search;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.report.SearchReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mal report}: charts and an index.html for a search. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write a search's report: the objective over the steps, λ curves (aligned and naive) of the accepted "
                + "moves, the AUC ratio of each target at each step as a heat map (PNG, XChart), and an index.html with the "
                + "lineage. From the journal alone; run it after the search (or after a stop). A long search is summarised "
                + "(the curves of the --top best accepted moves and the last, the spread of all, the heat map's steps averaged "
                + "in runs); --all draws every step."})
final class ReportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", description = "Search folder.")
    Path dir;

    @Option(names = "--out", description = "Report folder (default: DIR/report).")
    Path out;

    @Option(names = "--run", description = "Which run of the folder (default: the last).")
    Integer run;

    @Option(names = "--top", paramLabel = "K", defaultValue = "10",
            description = "Draw the λ curves of the K accepted moves with the best scores, and of the last (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--all", description = "Draw every accepted move's curves and every step in the heat map (a long search: many charts).")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if (top < 0) throw new UsageError("--top must be >= 0, got " + top);
        PrintWriter o = command.commandLine().getOut();
        List<List<SearchEvent>> runs = SearchFolder.inspect(dir).runs();
        if (runs.isEmpty()) throw new IllegalArgumentException("the store in " + dir + " holds no search run");
        int r = run != null ? run : runs.size();
        if (r < 1 || r > runs.size()) throw new UsageError("--run must be 1.." + runs.size() + ", got " + r);
        SearchReport.Written w = SearchReport.write(runs.get(r - 1), dir, out != null ? out : dir.resolve("report"),
                all ? SearchReport.Options.ALL : new SearchReport.Options(top, false));
        o.println("wrote " + w.images().size() + " charts and " + w.index());
        return 0;
    }
}
