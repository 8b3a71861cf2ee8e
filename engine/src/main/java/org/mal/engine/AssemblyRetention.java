package org.mal.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mal.store.MalStore;

/**
 * Which assemblies keep their weights ({@code search.assemblies}, {@link SearchSettings.Assemblies})
 * and the deletion of the others. What a search needs of its assemblies' weights is only the base
 * it goes on from (the last of its lineage); {@code export} reads the one it is asked for, and a
 * recipe rebuilds any of them from the zoo. The journal is never touched: every step's move, λ,
 * weights hash and curves stay, so a report and a recipe are whole whatever was let go.
 *
 * <p>Two moments: {@link #prune} after each step (the lineage's assemblies that fell out of the
 * {@code keep-last} window), and {@link #sweep} when a run starts or resumes (also the weights no
 * run's lineage names: an assembly stored just before a kill, whose step was then closed again with
 * another card, and therefore another blob). Both are idempotent: a kill in the middle is finished
 * by the next.
 */
public final class AssemblyRetention {
    private AssemblyRetention() {}

    /** The blobs of {@code lineage} that {@code kept} keeps, oldest first: all, or the last {@code keepLast}. */
    public static List<String> kept(List<SearchEvent.StepClosed> lineage, SearchSettings.Assemblies kept) {
        int from = kept.keepLineage() ? 0 : Math.max(0, lineage.size() - kept.keepLast());
        List<String> out = new ArrayList<>();
        for (SearchEvent.StepClosed c : lineage.subList(from, lineage.size())) out.add(c.assemblyBlob());
        return out;
    }

    /**
     * Deletes the blobs of the run's lineage that {@code kept} no longer keeps (none with
     * {@code keepLineage}); the base the run goes on from is always kept.
     *
     * @return how many blobs were deleted
     */
    public static int prune(SearchState s, SearchSettings.Assemblies kept, MalStore store) {
        if (kept.keepLineage()) return 0;
        List<SearchEvent.StepClosed> lineage = s.lineage();
        Set<String> keep = new HashSet<>(kept(lineage, kept));
        List<String> drop = new ArrayList<>();
        for (SearchEvent.StepClosed c : lineage) if (!keep.contains(c.assemblyBlob()) && store.hasBlob(c.assemblyBlob())) drop.add(c.assemblyBlob());
        return drop.isEmpty() ? 0 : store.deleteBlobs(drop);
    }

    /** What a sweep deleted: blobs and files (in {@code assemblies/}). */
    public record Swept(int blobs, int files) {}

    /**
     * When a run starts or resumes, before anything else uses the store: deletes every blob that
     * no run's lineage keeps under {@code kept} (a search's store holds nothing but its assemblies
     * as blobs), and every file in the workbench's {@code assemblies/} folder but the base's that
     * worker nodes read ({@link Workbench#share}). Folders written before assemblies were kept once
     * lose their second copies here. When blobs went, their space is given back at once
     * ({@link MalStore#reclaimBlobSpace}).
     *
     * @param runs every run of the store, the one going on (if any) last
     */
    public static Swept sweep(MalStore store, SearchFolder.Runs runs, SearchSettings.Assemblies kept, Workbench bench) {
        Set<String> keep = new HashSet<>();
        for (List<SearchEvent> run : runs.runs()) keep.addAll(kept(SearchState.fold(run).lineage(), kept));
        return sweep(store, keep, runs.isEmpty() ? null : runs.last(), bench);
    }

    /** The same from a {@link SearchFolder#scan} (the journal read page by page). */
    public static Swept sweep(MalStore store, SearchFolder.Scan scan, SearchSettings.Assemblies kept, Workbench bench) {
        return sweep(store, scan.kept(kept), scan.last(), bench);
    }

    private static Swept sweep(MalStore store, Set<String> keep, SearchState last, Workbench bench) {
        List<String> drop = new ArrayList<>();
        for (String b : store.blobNames()) if (!keep.contains(b)) drop.add(b);
        int blobs = drop.isEmpty() ? 0 : store.deleteBlobs(drop);
        if (blobs > 0) store.reclaimBlobSpace();
        boolean goesOn = last != null && last.stopped() == null;
        int files = bench.share(goesOn ? last.baseHash() : null, goesOn ? last.baseBlob() : null);
        return new Swept(blobs, files);
    }
}
