package org.mal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchState;
import org.mal.store.MalStore;

/**
 * The kill -9 campaign of issue 16, through the command line: a search run once without
 * interruption, and the same search killed with SIGKILL {@code KILLS} times at random (seeded)
 * moments and resumed after each kill ({@code ./mal search resume}; {@code ./mal search start} again
 * when a kill landed before the run's start was journaled), then resumed to its end. The two
 * journals are then compared: the accepted assemblies in order, one result per planned move of
 * every step (a move of a step planned once, answered exactly once), the moves evaluated (which and
 * how many: none twice, none answered from a cache the reference did not have), and the stop reason.
 *
 * <p>A Java main rather than a shell script: the kill moments come from a seeded {@link Random},
 * the processes are started and killed by their own handles (no {@code pkill}), and the journals
 * are compared event by event with the engine's own types ({@link SearchFolder}, {@link SearchEvent})
 * instead of parsing printed text.
 *
 * <p>Usage (from the project root, after {@code ./mal --version} has built the launcher):
 * {@code KillCampaign CONF KILLS SEED WORKDIR [MIN_S MAX_S] [OVERRIDES]}: the search {@code CONF}
 * with the HOCON {@code OVERRIDES} appended (default {@code search.budget { steps = 30, patience = 0 }});
 * kill k waits until the run's {@code status.json} counts a seeded random number of results (the
 * KILLS numbers distinct and sorted, between 1 and the reference's count − 1, so the kills spread
 * over the whole search), then a random {@code MIN_S} to {@code MAX_S} seconds more (default 0 and 3).
 * (Counted from the process's start instead, every kill landed while the data was loading or the
 * first move was being computed: 15 kills, no progress.) Prints a Markdown report and exits 1 if any comparison fails.
 */
public final class KillCampaign {
    private KillCampaign() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        if (args.length < 4) throw new IllegalArgumentException("usage: KillCampaign CONF KILLS SEED WORKDIR [MIN_S MAX_S] [OVERRIDES]");
        Path conf = Path.of(args[0]).toAbsolutePath();
        int kills = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        Path work = Path.of(args[3]).toAbsolutePath();
        double minS = args.length > 5 ? Double.parseDouble(args[4]) : 0;
        double maxS = args.length > 5 ? Double.parseDouble(args[5]) : 3;
        String overrides = args.length > 6 ? args[6] : "search.budget { steps = 30, patience = 0 }";
        if (Files.exists(work)) throw new IllegalArgumentException(work + " exists; give a new folder");
        Files.createDirectories(work);
        Path campaignConf = work.resolve("campaign.conf");
        Files.writeString(campaignConf, "include file(\"" + conf + "\")\n" + overrides + "\n");

        System.out.printf(Locale.ROOT, "kill -9 campaign: %s + {%s}, %d kills, seed %d, each %.0f–%.0f s after a seeded number of results; in %s%n%n",
                conf.getFileName(), overrides, kills, seed, minS, maxS, work);

        Path reference = work.resolve("reference");
        long t0 = System.nanoTime();
        int code = run(List.of("search", "start", "--conf", campaignConf.toString(), "--store", reference.toString()), work.resolve("reference.log"));
        double referenceSeconds = (System.nanoTime() - t0) / 1e9;
        if (code != 0) throw new IllegalStateException("the reference run failed (exit " + code + "); see " + work.resolve("reference.log"));
        System.out.printf(Locale.ROOT, "uninterrupted run: %.0f s (JVM start included)%n%n", referenceSeconds);

        Path killed = work.resolve("killed");
        Random random = new Random(seed);
        // the kills are spread over the whole search: kill k waits until the run has journaled a seeded
        // random number of results (distinct, sorted, between 1 and the reference's count - 1), then
        // a random 0 to MAX_S - MIN_S seconds more, so that it lands anywhere in a move, a step or between steps
        int total = SearchState.fold(SearchFolder.inspect(reference).runs().get(0)).evaluations();
        java.util.TreeSet<Integer> thresholds = new java.util.TreeSet<>();
        while (thresholds.size() < Math.min(kills, total - 1)) thresholds.add(1 + random.nextInt(total - 1));
        List<String[]> rows = new ArrayList<>();
        int landed = 0;
        int k = 0;
        long k0 = System.nanoTime();
        for (int threshold : thresholds) {
            k++;
            boolean hasRun = hasRun(killed);
            List<String> cmd = hasRun ? List.of("search", "resume", killed.toString())
                    : List.of("search", "start", "--conf", campaignConf.toString(), "--store", killed.toString());
            long before = journalLength(killed);
            long extraMs = (long) ((minS + random.nextDouble() * (maxS - minS)) * 1000);
            Path log = work.resolve("killed-" + k + ".log");
            // at least one new result in each process (the last kill may have landed after more than the next number)
            int target = Math.max(threshold, journaledResults(killed) + 1);
            Files.deleteIfExists(killed.resolve("status.json"));   // the last process's: rewritten by this one
            Process p = start(cmd, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (p.isAlive() && evaluations(killed) < target) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no progress within 600 s; see " + log);
                Thread.sleep(20);
            }
            boolean ended = p.waitFor(extraMs, TimeUnit.MILLISECONDS);
            if (ended) {
                rows.add(new String[] {String.valueOf(k), cmd.get(1), String.valueOf(target), fmt(extraMs),
                        "— (the run ended first, exit " + p.exitValue() + ")", String.valueOf(before), String.valueOf(journalLength(killed)),
                        lastEvent(killed)});
                break;
            }
            p.toHandle().destroyForcibly();   // SIGKILL, to this process only (./mal execs the JVM)
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("the killed process did not end");
            landed++;
            rows.add(new String[] {String.valueOf(k), cmd.get(1), String.valueOf(target), fmt(extraMs), "SIGKILL", String.valueOf(before),
                    String.valueOf(journalLength(killed)), lastEvent(killed)});
        }
        int finalCode = run(hasRun(killed) ? List.of("search", "resume", killed.toString())
                : List.of("search", "start", "--conf", campaignConf.toString(), "--store", killed.toString()), work.resolve("killed-final.log"));
        double killedSeconds = (System.nanoTime() - k0) / 1e9;
        if (finalCode != 0) throw new IllegalStateException("the final resume failed (exit " + finalCode + "); see " + work.resolve("killed-final.log"));

        System.out.println("| kill | command | once results ≥ | then | signal | journal events before | at the kill | last event journaled |");
        System.out.println("| ---: | --- | ---: | ---: | --- | ---: | ---: | --- |");
        for (String[] r : rows) System.out.println("| " + String.join(" | ", r) + " |");
        System.out.printf(Locale.ROOT, "%n%d kills landed; the killed search took %.0f s in all (its %d processes, JVM starts included)%n%n",
                landed, killedSeconds, rows.size() + 1);

        List<String> failures = compare(SearchFolder.inspect(reference).runs(), SearchFolder.inspect(killed).runs(), landed);
        System.out.println(failures.isEmpty() ? "every check holds" : "FAILED:\n- " + String.join("\n- ", failures));
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** The checks, each printed as a line; returns what failed. */
    static List<String> compare(List<List<SearchEvent>> referenceRuns, List<List<SearchEvent>> killedRuns, int landed) {
        List<String> failures = new ArrayList<>();
        check(failures, "one run in each store", referenceRuns.size() == 1 && killedRuns.size() == 1,
                referenceRuns.size() + " and " + killedRuns.size());
        List<SearchEvent> ref = referenceRuns.get(0);
        List<SearchEvent> kil = killedRuns.get(killedRuns.size() - 1);
        SearchState r = SearchState.fold(ref);
        SearchState k = SearchState.fold(kil);

        List<String> refLineage = lineage(r);
        List<String> kilLineage = lineage(k);
        check(failures, "the same accepted assemblies in the same order (" + refLineage.size() + ")", refLineage.equals(kilLineage),
                refLineage + " vs " + kilLineage);
        check(failures, "the same stop reason ('" + r.stopped() + "')", String.valueOf(r.stopped()).equals(String.valueOf(k.stopped())),
                r.stopped() + " vs " + k.stopped());

        Tally rt = tally(ref);
        Tally kt = tally(kil);
        check(failures, "each step planned once (" + kt.planned.size() + " steps)", kt.replanned.isEmpty(), "planned again: " + kt.replanned);
        check(failures, "every planned move answered exactly once (" + kt.plannedMoves + " moves)", kt.unanswered.isEmpty() && kt.twice.isEmpty(),
                "unanswered " + kt.unanswered + ", twice " + kt.twice);
        check(failures, "the same planned moves, step by step", rt.planned.equals(kt.planned), "differ");
        check(failures, "the same moves evaluated (" + rt.evaluated.size() + "), none twice, none from the cache",
                rt.evaluated.equals(kt.evaluated) && kt.cached == rt.cached, rt.evaluated.size() + " vs " + kt.evaluated.size()
                        + " evaluated, " + rt.cached + " vs " + kt.cached + " cached");
        check(failures, "the same failed moves (" + rt.failed.size() + ")", rt.failed.equals(kt.failed), rt.failed + " vs " + kt.failed);
        long resumed = kil.stream().filter(e -> e instanceof SearchEvent.Resumed).count();
        System.out.printf(Locale.ROOT, "- the killed run was resumed %d times (kills that landed after its start was journaled; %d landed in all)%n",
                resumed, landed);
        return failures;
    }

    private static void check(List<String> failures, String what, boolean ok, String detail) {
        System.out.println("- " + (ok ? "ok: " : "FAILED: ") + what + (ok ? "" : " — " + detail));
        if (!ok) failures.add(what + ": " + detail);
    }

    private static List<String> lineage(SearchState s) {
        return s.lineage().stream().map(c -> c.step() + ":" + c.assembly().weightsHash()).toList();
    }

    /** What a run's journal says about its moves. */
    private static final class Tally {
        final Map<Integer, List<String>> planned = new HashMap<>();
        final List<Integer> replanned = new ArrayList<>();
        int plannedMoves;
        final Map<String, Integer> answers = new HashMap<>();
        final List<String> evaluated = new ArrayList<>();
        final List<String> failed = new ArrayList<>();
        int cached;
        final List<String> unanswered = new ArrayList<>();
        final List<String> twice = new ArrayList<>();
    }

    private static Tally tally(List<SearchEvent> events) {
        Tally t = new Tally();
        for (SearchEvent e : events) {
            if (e instanceof SearchEvent.StepPlanned p) {
                List<String> moves = p.moves().stream().map(m -> m.canonical()).toList();
                if (t.planned.put(p.step(), moves) != null) t.replanned.add(p.step());
                t.plannedMoves += moves.size();
            } else if (e instanceof SearchEvent.MoveEvaluated m) {
                String key = m.step() + " " + m.move().canonical();
                t.answers.merge(key, 1, Integer::sum);
                if (m.cached()) t.cached++;
                else t.evaluated.add(key);
            } else if (e instanceof SearchEvent.MoveFailed f && f.giveUp()) {
                String key = f.step() + " " + f.move().canonical();
                t.answers.merge(key, 1, Integer::sum);
                t.failed.add(key);
            }
        }
        for (var s : t.planned.entrySet()) {
            for (String m : s.getValue()) {
                int n = t.answers.getOrDefault(s.getKey() + " " + m, 0);
                if (n == 0) t.unanswered.add(s.getKey() + " " + m);
                if (n > 1) t.twice.add(s.getKey() + " " + m);
            }
        }
        java.util.Collections.sort(t.evaluated);
        java.util.Collections.sort(t.failed);
        return t;
    }

    /** Moves with a result in the journal of a search that no process holds. */
    private static int journaledResults(Path search) {
        if (!hasRun(search)) return 0;
        var runs = SearchFolder.inspect(search).runs();
        return SearchState.fold(runs.get(runs.size() - 1)).evaluations();
    }

    /** Moves with a result so far, from the running search's status.json (0 before it exists or while it is rewritten). */
    private static int evaluations(Path search) {
        try {
            Path status = search.resolve("status.json");
            if (!Files.isRegularFile(status)) return 0;
            return org.mal.engine.SearchJson.MAPPER.readTree(status.toFile()).path("evaluations").asInt();
        } catch (IOException | RuntimeException beingRewritten) {
            return 0;
        }
    }

    private static String fmt(long ms) { return String.format(Locale.ROOT, "%.1f s", ms / 1000.0); }

    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("./mal"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int run(List<String> args, Path log) throws Exception {
        return start(args, log).waitFor();
    }

    /** Whether the store holds a run (a kill may land before the start is journaled, or before the store exists). */
    private static boolean hasRun(Path search) {
        if (!Files.isDirectory(search.resolve(SearchFolder.STORE))) return false;
        try {
            return !SearchFolder.inspect(search).isEmpty();
        } catch (RuntimeException killedWhileCreated) {
            return false;   // a store that was not even created whole: search start makes it again
        }
    }

    private static long journalLength(Path search) {
        if (!Files.isDirectory(search.resolve(SearchFolder.STORE))) return 0;
        try (MalStore store = MalStore.openExisting(search.resolve(SearchFolder.STORE))) {
            return store.lastSequence();
        } catch (RuntimeException killedWhileCreated) {
            return 0;
        }
    }

    /** The kind of the last event journaled (what the kill interrupted came after it). */
    private static String lastEvent(Path search) {
        if (!Files.isDirectory(search.resolve(SearchFolder.STORE))) return "(no store yet)";
        List<List<SearchEvent>> runs;
        try {
            runs = SearchFolder.inspect(search).runs();
        } catch (RuntimeException e) {
            return "(store unreadable: " + e.getMessage() + ")";
        }
        if (runs.isEmpty()) return "(no run yet)";
        List<SearchEvent> last = runs.get(runs.size() - 1);
        SearchEvent e = last.get(last.size() - 1);
        String name = e.getClass().getSimpleName();
        if (e instanceof SearchEvent.MoveEvaluated m) return name + " (step " + m.step() + ")";
        if (e instanceof SearchEvent.StepPlanned p) return name + " (step " + p.step() + ")";
        if (e instanceof SearchEvent.StepClosed c) return name + " (step " + c.step() + ")";
        return name;
    }
}
