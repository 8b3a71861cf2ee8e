package org.mal.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.mal.core.data.TaskData;
import org.mal.core.zoo.Zoo;
import org.mal.store.JournalEntry;
import org.mal.store.MalStore;

/**
 * A search lives in a folder: {@code store/} (the RocksDB store: journal, evaluation cache, assembly
 * blobs, the one copy of the assemblies' weights), {@code assemblies/} (only what worker nodes on
 * other machines read with {@code search.cluster.files = shared}: the current base's safetensors
 * file, see {@link Workbench}), {@code served/} (with {@code files = transfer}: copies of the store
 * blobs being sent to worker nodes, emptied at each start and resume) and {@code status.json} (kept current while it runs). Reading it needs no actors: the journal's
 * runs, folded ({@link SearchState}).
 */
public final class SearchFolder {
    private SearchFolder() {}

    public static final String STORE = "store";
    public static final String ASSEMBLIES = "assemblies";

    /** What a store holds: its runs' events, oldest run first. */
    public record Runs(List<List<SearchEvent>> runs) {
        public boolean isEmpty() { return runs.isEmpty(); }

        public SearchState last() { return SearchState.fold(runs.get(runs.size() - 1)); }

        /**
         * When the last run ended: the time of its final {@code stopped} or {@code paused} event,
         * null when it is going on (or was killed), so that a finished run's elapsed time is its own.
         */
        public java.time.Instant lastEnded() {
            List<SearchEvent> last = runs.get(runs.size() - 1);
            for (int i = last.size() - 1; i >= 0; i--) {
                SearchEvent e = last.get(i);
                if (e instanceof SearchEvent.ZooChanged) continue; // the zoo watcher may write after a stop
                String at = e instanceof SearchEvent.Stopped s ? s.at() : e instanceof SearchEvent.Paused p ? p.at() : null;
                return at == null ? null : java.time.Instant.parse(at);
            }
            return null;
        }
    }

    /** Reads every run in the store's journal. */
    public static Runs read(MalStore store) {
        List<List<SearchEvent>> runs = new ArrayList<>();
        for (JournalEntry e : store.readJournal(1)) {
            SearchEvent ev = SearchJson.read(e.eventJson(), SearchEvent.class);
            if (ev instanceof SearchEvent.Started) runs.add(new ArrayList<>());
            if (runs.isEmpty()) throw new IllegalStateException("journal entry " + e.seq() + " comes before any 'started' event");
            runs.get(runs.size() - 1).add(ev);
        }
        return new Runs(runs);
    }

    /**
     * What a search needs to go on, read from the journal one page at a time without holding its
     * events (issue 22): the number of runs, the last run's state (folded {@link SearchState#withBoundedHistory
     * bounded} when the listener asks) and every run's lineage (for {@link AssemblyRetention#sweep}).
     */
    public record Scan(int runs, SearchState last, List<List<SearchEvent.StepClosed>> lineages) {
        public boolean isEmpty() { return runs == 0; }

        /** The blobs every run's lineage keeps under {@code kept}. */
        public java.util.Set<String> kept(SearchSettings.Assemblies kept) {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (List<SearchEvent.StepClosed> l : lineages) out.addAll(AssemblyRetention.kept(l, kept));
            return out;
        }
    }

    /** What {@link #scan} tells as it reads. */
    public interface ScanListener {
        /** A run starts; true: fold it bounded. */
        boolean started(SearchEvent.Started started);

        /** A step of the run going on closes with these results ({@link SearchState#closing()}), oldest first. */
        void closed(List<org.mal.policies.Evaluated> results);
    }

    /** Events read per page by {@link #scan}. */
    static final int PAGE = 512;

    /** Folds the store's journal page by page, telling {@code listener} (null: fold every run bounded, tell no one). */
    public static Scan scan(MalStore store, ScanListener listener) {
        int runs = 0;
        SearchState state = null;
        List<List<SearchEvent.StepClosed>> lineages = new ArrayList<>();
        long from = 1;
        while (true) {
            List<JournalEntry> page = store.readJournal(from, PAGE);
            if (page.isEmpty()) break;
            for (JournalEntry e : page) {
                SearchEvent ev = SearchJson.read(e.eventJson(), SearchEvent.class);
                if (ev instanceof SearchEvent.Started st) {
                    if (state != null) lineages.add(state.lineage());
                    runs++;
                    state = SearchState.begin(st);
                    if (listener == null || listener.started(st)) state = state.withBoundedHistory();
                    continue;
                }
                if (state == null) throw new IllegalStateException("journal entry " + e.seq() + " comes before any 'started' event");
                if (ev instanceof SearchEvent.StepClosed && listener != null) listener.closed(state.closing());
                state = state.apply(ev);
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
        if (state != null) lineages.add(state.lineage());
        return new Scan(runs, state, lineages);
    }

    /** The last run's state, read from the store (fails while a search holds it; then read {@code status.json}). */
    public static Runs inspect(Path dir) {
        if (!Files.isDirectory(dir.resolve(STORE))) throw new IllegalArgumentException("no search in " + dir + ": it has no store/ folder");
        try (MalStore store = MalStore.openExisting(dir.resolve(STORE))) {
            return read(store);
        }
    }

    public static Workbench workbench(SearchSettings settings, Path dir, MalStore store, Function<String, TaskData> tasks) {
        return new Workbench(new Zoo(settings.zoo()), dir.resolve(ASSEMBLIES), store, tasks, settings.evaluation(), settings.seed(),
                settings.cluster().enabled() && settings.cluster().sharedFolder(), settings.modelCacheBytes());
    }

}
