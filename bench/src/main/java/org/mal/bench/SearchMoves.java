package org.mal.bench;

import java.nio.file.Path;
import java.util.Locale;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;

/**
 * Every move a search evaluated, as a table: its targets and map, the λ its rule chose, the base
 * task's accuracy of the base (λ = 0) and of the merge there on the selection rows, and the paired
 * counts with McNemar's exact p (what the gain objective tests). Reads the store of a stopped search.
 *
 * <p>Usage: {@code SearchMoves DIR}.
 */
public final class SearchMoves {
    public static void main(String[] args) {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        var runs = SearchFolder.inspect(Path.of(args[0]));
        System.out.println("| step | targets | map | λ | base acc | merge acc | only base | only merge | p |");
        System.out.println("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var run : runs.runs()) {
            for (SearchEvent e : run) {
                if (!(e instanceof SearchEvent.MoveEvaluated m) || m.cached()) continue;
                var o = m.outcome();
                var task = o.report().tasks().get(0);
                var p = o.paired();
                System.out.printf(Locale.ROOT, "| %d | %s | %s | %.3f | %.2f%% | %.2f%% | %s | %s | %s |%n", m.step(), m.move().targetNames(),
                        m.move().layerMap(), o.lambda(), 100 * task.aligned().accuracy()[0], 100 * o.accuracy().get(task.dataset()),
                        p == null ? "-" : p.onlyBase(), p == null ? "-" : p.onlyMerge(),
                        p == null ? "-" : String.format(Locale.ROOT, "%.3g", p.p()));
            }
        }
    }
}
