package org.mal.actors;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.ZooIndex;

/**
 * Keeps the zoo open-ended: polls the zoo folder every {@code interval} and, when a model file
 * appears, changes or goes, re-indexes the zoo and tells the coordinator which ids came and went.
 * Polling (names, sizes, modification times) rather than a file-system watch service, because it
 * behaves the same on every file system, network mounts included. Only the files that are new or
 * whose size, time or fingerprint changed are read again; the others keep their entries. A file whose size or time
 * changed is read once more for its {@link Zoo#fingerprint}: a model whose weights changed under
 * an unchanged card counts as new (a touched but unchanged file does not). A file that is still
 * being copied and does not parse yet is skipped by the index and picked up on a later poll, when
 * its size or time changes.
 *
 * <p>Nothing in the zoo stops the watcher: a poll that fails is logged (once per reason) and the
 * next one tries again, and the actor is restarted should anything escape.
 */
public final class ZooWatcher {
    private ZooWatcher() {}

    public sealed interface Command {}

    /**
     * To the coordinator: the zoo changed; these ids became targets (new, or their file's content
     * changed) or went away, or the entries that are not targets ({@link ZooIndex#skipped()}) changed.
     */
    public record Changed(ZooIndex index, List<String> added, List<String> removed) implements Coordinator.Command {}

    private record Poll() implements Command {}

    private record FileState(long size, long modified, String content) {}

    public static Behavior<Command> create(Zoo zoo, ZooIndex initial, Duration interval, ActorRef<Changed> coordinator) {
        return Behaviors.supervise(watch(zoo, initial, interval, coordinator)).onFailure(SupervisorStrategy.restart());
    }

    private static Behavior<Command> watch(Zoo zoo, ZooIndex initial, Duration interval, ActorRef<Changed> coordinator) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new Poll(), interval);
            return new Object() {
                Map<Path, FileState> files;   // null: the first poll compares the folder with the initial index by cards only
                Map<Path, Zoo.Entry> entries = Map.of();   // as last read, by file
                ZooIndex index = initial;
                boolean missing;
                String lastProblem;

                Behavior<Command> behavior() {
                    return Behaviors.receive(Command.class).onMessage(Poll.class, p -> {
                        try {
                            poll();
                            lastProblem = null;
                        } catch (IOException | RuntimeException e) {
                            String problem = String.valueOf(e.getMessage());
                            if (!problem.equals(lastProblem)) ctx.getLog().warn("cannot index the zoo {} (trying again): {}", zoo.dir(), problem);
                            lastProblem = problem;
                        }
                        return Behaviors.same();
                    }).build();
                }

                void poll() throws IOException {
                    if (!Files.isDirectory(zoo.dir())) {   // an unmounted or moved folder is not an empty zoo
                        if (!missing) ctx.getLog().warn("the zoo folder {} is not there; keeping the last index", zoo.dir());
                        missing = true;
                        return;
                    }
                    missing = false;
                    Map<Path, FileState> now = scan(zoo, files == null ? Map.of() : files);
                    if (now.equals(files)) return;
                    // only the files that are new or changed are read again (issue 22: a zoo of 10,000 files)
                    Map<Path, Zoo.Entry> read = new java.util.TreeMap<>();
                    for (Map.Entry<Path, FileState> f : now.entrySet()) {
                        Zoo.Entry kept = entries.get(f.getKey());
                        boolean same = kept != null && files != null && f.getValue().equals(files.get(f.getKey()));
                        read.put(f.getKey(), same ? kept : zoo.entry(f.getKey()));
                    }
                    entries = read;
                    ZooIndex next = ZooIndex.from(zoo, new ArrayList<>(read.values()), index.convolutional());   // in file-name order, as Zoo.list
                    List<String> added = new ArrayList<>();
                    List<String> removed = new ArrayList<>();
                    for (ModelCard c : next.cards()) {
                        ModelCard old = index.get(c.id()).orElse(null);
                        FileState before = files == null ? null : files.get(zoo.fileOf(c.id()));
                        FileState after = now.get(zoo.fileOf(c.id()));
                        boolean rewritten = before != null && after != null && !before.content().equals(after.content());
                        if (old == null || !old.weightsHash().equals(c.weightsHash()) || rewritten) added.add(c.id());
                    }
                    for (ModelCard c : index.cards()) if (next.get(c.id()).isEmpty()) removed.add(c.id());
                    // which files are not targets changed (not their reasons: a file being copied gives a new one at every poll)
                    boolean skippedChanged = !next.skipped().keySet().equals(index.skipped().keySet());
                    files = now;
                    index = next;
                    if (!added.isEmpty() || !removed.isEmpty() || skippedChanged) coordinator.tell(new Changed(next, added, removed));
                }
            }.behavior();
        }));
    }

    /** The folder's model files; a file whose size and time are those of {@code before} keeps its fingerprint unread. */
    static Map<Path, FileState> scan(Zoo zoo, Map<Path, FileState> before) {
        Map<Path, FileState> out = new HashMap<>();
        if (!Files.isDirectory(zoo.dir())) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(zoo.dir(), "*" + Zoo.EXTENSION)) {
            for (Path p : ds) {
                try {
                    long size = Files.size(p);
                    long modified = Files.getLastModifiedTime(p).toMillis();
                    FileState old = before.get(p);
                    String content = old != null && old.size() == size && old.modified() == modified ? old.content() : Zoo.fingerprint(p);
                    out.put(p, new FileState(size, modified, content));
                } catch (IOException e) {
                    // vanished between listing and reading: not there
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
