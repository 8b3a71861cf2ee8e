package org.mal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.store.JournalEntry;
import org.mal.store.MalStore;

/**
 * Reads a search folder's journal page by page and says what a kill and resume must keep: how many
 * results were evaluated (not from the cache), whether any move was evaluated twice for the same base,
 * and the accepted assemblies; with a second folder, whether both accepted the same assemblies.
 *
 * <p>Usage: {@code JournalCheck DIR [REFERENCE_DIR]}.
 */
public final class JournalCheck {
    private JournalCheck() {}

    record Summary(long evaluated, long cached, long failed, long duplicates, long resumed, List<String> lineage) {}

    public static void main(String[] args) {
        Summary a = read(Path.of(args[0]));
        System.out.println(args[0] + ": " + a.evaluated() + " evaluated, " + a.cached() + " from the cache, " + a.failed() + " failures, "
                + a.duplicates() + " moves evaluated twice for one base, " + a.resumed() + " resumes, " + a.lineage().size() + " accepted");
        if (args.length > 1) {
            Summary b = read(Path.of(args[1]));
            System.out.println(args[1] + ": " + b.evaluated() + " evaluated, " + b.lineage().size() + " accepted");
            System.out.println("same accepted assemblies, in the same order: " + a.lineage().equals(b.lineage()));
        }
    }

    static Summary read(Path dir) {
        long evaluated = 0, cached = 0, failed = 0, duplicates = 0, resumed = 0;
        List<String> lineage = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String base = null;
        try (MalStore store = MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {
            long from = 1;
            while (true) {
                List<JournalEntry> page = store.readJournal(from, 1000);
                if (page.isEmpty()) break;
                for (JournalEntry e : page) {
                    SearchEvent ev = SearchJson.read(e.eventJson(), SearchEvent.class);
                    if (ev instanceof SearchEvent.StepPlanned p) {
                        if (!p.baseHash().equals(base)) seen.clear();
                        base = p.baseHash();
                    } else if (ev instanceof SearchEvent.MoveEvaluated m) {
                        if (m.cached()) cached++;
                        else evaluated++;
                        if (!seen.add(m.move().canonical())) duplicates++;
                    } else if (ev instanceof SearchEvent.MoveFailed) {
                        failed++;
                    } else if (ev instanceof SearchEvent.Resumed) {
                        resumed++;
                    } else if (ev instanceof SearchEvent.StepClosed c && c.assembly() != null) {
                        lineage.add(c.assembly().weightsHash());
                    }
                }
                from = page.get(page.size() - 1).seq() + 1;
            }
        }
        return new Summary(evaluated, cached, failed, duplicates, resumed, lineage);
    }
}
