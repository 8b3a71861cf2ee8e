package org.mal.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.store.CacheKey;
import org.mal.store.MalStore;

/**
 * Throughput of the store ({@link MalStore}): cache lookups per second (hits and misses), synced
 * journal appends per second, blob write and read MiB/s. A plain main, not JMH: the interesting
 * costs are fsync and disk, which JMH's forking and iteration model adds nothing to. Every figure
 * is the median of several timed rounds after an untimed warm-up round.
 *
 * <p>Usage (after {@code mvn -B -q -pl bench -am package -Dmaven.test.skip=true}):
 * <pre>java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.mal.bench.StoreBench [--quick] [--dir DIR]</pre>
 * {@code --dir} chooses where the temporary store goes (default: a new folder under
 * {@code java.io.tmpdir}); it is deleted at the end. {@code --quick} is a smoke test with small
 * sizes; its numbers are not worth reporting. Prints a Markdown table.
 */
public final class StoreBench {
    private static final int MIB = 1 << 20;

    /** Sizes and repetitions of one run. */
    private record Plan(String name, int entries, int entryBytes, int lookupsPerRound, int appendBatches, int appendsPerBatch,
                        int blobMiB, int blobRounds, int rounds) {}

    private static final Plan FULL = new Plan("full", 100_000, 1_500, 200_000, 5, 300, 256, 3, 5);
    private static final Plan QUICK = new Plan("quick", 5_000, 1_500, 20_000, 3, 30, 16, 2, 3);

    private StoreBench() {}

    public static void main(String[] args) throws IOException {
        Plan plan = FULL;
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> plan = QUICK;
                case "--dir" -> parent = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: StoreBench [--quick] [--dir DIR]");
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "mal-store-bench-");
        ZonedDateTime started = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS);
        try {
            List<String> rows = new ArrayList<>();
            lookups(dir.resolve("cache"), plan, rows);
            appends(dir.resolve("journal"), plan, rows);
            blobs(dir.resolve("blobs"), plan, rows);
            System.out.println(render(plan, started, dir, rows));
        } finally {
            deleteTree(dir);
        }
    }

    // ------------------------------------------------------------------------------------------

    private static void lookups(Path dir, Plan plan, List<String> rows) {
        CacheKey[] keys = new CacheKey[plan.entries()];
        for (int i = 0; i < keys.length; i++) keys[i] = key(i);
        try (MalStore store = MalStore.open(dir)) {
            Map<CacheKey, String> batch = new HashMap<>();
            for (int i = 0; i < keys.length; i++) {
                batch.put(keys[i], evaluationJson(i, plan.entryBytes()));
                if (batch.size() == 1_000 || i == keys.length - 1) {
                    store.putEvaluations(batch);
                    batch.clear();
                }
            }
        }
        CacheKey[] misses = new CacheKey[plan.entries()];
        for (int i = 0; i < misses.length; i++) misses[i] = key(-1 - i);
        // Reopened, so lookups read SST files through the block cache, not the memtable that was just filled.
        try (MalStore store = MalStore.openExisting(dir)) {
            double[] hits = new double[plan.rounds()];
            double[] missRates = new double[plan.rounds()];
            SplittableRandom random = new SplittableRandom(1);
            long checksum = 0;
            for (int r = -1; r < plan.rounds(); r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < plan.lookupsPerRound(); i++) {
                    checksum += store.evaluation(keys[random.nextInt(keys.length)]).orElseThrow().length();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < plan.lookupsPerRound(); i++) {
                    if (store.evaluation(misses[random.nextInt(misses.length)]).isPresent()) throw new IllegalStateException();
                }
                long t2 = System.nanoTime();
                if (r >= 0) {
                    hits[r] = plan.lookupsPerRound() / ((t1 - t0) / 1e9);
                    missRates[r] = plan.lookupsPerRound() / ((t2 - t1) / 1e9);
                }
            }
            if (checksum == 0) throw new IllegalStateException();
            String how = String.format(Locale.ROOT, "%,d entries of ~%,d B JSON, store reopened; %d rounds x %,d uniformly random"
                    + " lookups by prebuilt key, one thread; median (min-max)", plan.entries(), plan.entryBytes(),
                    plan.rounds(), plan.lookupsPerRound());
            rows.add(row("cache lookups, hits", rate(hits, "/s"), how));
            rows.add(row("cache lookups, misses", rate(missRates, "/s"), "same, keys not in the cache (bloom filter)"));
        }
    }

    private static void appends(Path dir, Plan plan, List<String> rows) {
        try (MalStore store = MalStore.open(dir)) {
            double[] rates = new double[plan.appendBatches()];
            List<Double> latencies = new ArrayList<>();
            long n = 0;
            for (int b = -1; b < plan.appendBatches(); b++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < plan.appendsPerBatch(); i++) {
                    n++;
                    long s = System.nanoTime();
                    store.append(eventJson(n), Map.of(key((int) n), evaluationJson((int) n, plan.entryBytes())));
                    if (b >= 0) latencies.add((System.nanoTime() - s) / 1e6);
                }
                if (b >= 0) rates[b] = plan.appendsPerBatch() / ((System.nanoTime() - t0) / 1e9);
            }
            double[] ms = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            String latency = String.format(Locale.ROOT, "latency p50 %.2f ms, p99 %.2f ms", ms[ms.length / 2],
                    ms[(int) Math.min(ms.length - 1, Math.round(ms.length * 0.99))]);
            rows.add(row("synced journal appends", rate(rates, "/s") + "; " + latency, String.format(Locale.ROOT,
                    "each: ~1 KB event + one ~%,d B cache entry in one WriteBatch, fsync'ed; %d batches x %d, one thread;"
                            + " median (min-max) of batch rates", plan.entryBytes(), plan.appendBatches(), plan.appendsPerBatch())));
        }
    }

    private static void blobs(Path dir, Plan plan, List<String> rows) throws IOException {
        byte[] content = new byte[plan.blobMiB() * MIB];
        double[] write = new double[plan.blobRounds()];
        double[] read = new double[plan.blobRounds()];
        List<String> hashes = new ArrayList<>();
        try (MalStore store = MalStore.open(dir)) {
            fill(content, 99);
            store.putBlob(new ByteArrayInputStream(content)); // warm-up, untimed
            for (int r = 0; r < plan.blobRounds(); r++) {
                fill(content, r); // new content each round: nothing to deduplicate
                long t0 = System.nanoTime();
                hashes.add(store.putBlob(new ByteArrayInputStream(content)));
                write[r] = content.length / (double) MIB / ((System.nanoTime() - t0) / 1e9);
            }
        }
        try (MalStore store = MalStore.openExisting(dir)) {
            try (InputStream in = store.openBlob(hashes.get(0))) {
                in.transferTo(OutputStream.nullOutputStream()); // warm-up, untimed
            }
            for (int r = 0; r < plan.blobRounds(); r++) {
                long t0 = System.nanoTime();
                long n;
                try (InputStream in = store.openBlob(hashes.get(r))) {
                    n = in.transferTo(OutputStream.nullOutputStream());
                }
                if (n != content.length) throw new IllegalStateException("read " + n + " bytes");
                read[r] = n / (double) MIB / ((System.nanoTime() - t0) / 1e9);
            }
        }
        rows.add(row("blob write", rate(write, " MiB/s"), String.format(Locale.ROOT,
                "%d MiB of random bytes from memory per blob: SHA-256 of blob and chunks, CRC32C, 4 MiB chunks, ends with"
                        + " the manifest's fsync; %d blobs; median (min-max)", plan.blobMiB(), plan.blobRounds())));
        rows.add(row("blob read", rate(read, " MiB/s"), "the same blobs after reopening, each chunk's CRC32C and SHA-256"
                + " checked, into a null sink; OS page cache warm (just written); median (min-max)"));
    }

    // ------------------------------------------------------------------------------------------

    private static CacheKey key(int i) {
        return CacheKey.builder("bench").put("i", i).put("base.weights", "b".repeat(64)).build();
    }

    /** An evaluation-like JSON object of about {@code bytes} bytes: curves over a lambda grid. */
    private static String evaluationJson(int i, int bytes) {
        StringBuilder b = new StringBuilder(bytes + 32).append("{\"i\":").append(i).append(",\"loss\":[");
        SplittableRandom r = new SplittableRandom(i);
        while (b.length() < bytes - 2) b.append(String.format(Locale.ROOT, "%.6f,", r.nextDouble()));
        b.setLength(b.length() - 1);
        return b.append("]}").toString();
    }

    private static String eventJson(long seq) {
        return "{\"type\":\"MoveEvaluated\",\"seq\":" + seq + ",\"move\":{\"target\":\"zoo/fashion-mnist-128x128\",\"layers\":"
                + "[[0,0],[1,1]]},\"pad\":\"" + "x".repeat(880) + "\"}";
    }

    private static void fill(byte[] b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i + 8 <= b.length; i += 8) {
            long x = r.nextLong();
            for (int j = 0; j < 8; j++) b[i + j] = (byte) (x >>> (8 * j));
        }
    }

    private static String rate(double[] values, String unit) {
        double[] s = values.clone();
        Arrays.sort(s);
        double median = Median.of(s);
        String fmt = median >= 100 ? "%,.0f" : "%,.1f";
        return String.format(Locale.ROOT, "**" + fmt + "%s** (" + fmt + "-" + fmt + ")", median, unit, s[0], s[s.length - 1]);
    }

    private static String row(String what, String result, String how) { return "| " + what + " | " + result + " | " + how + " |"; }

    private static String render(Plan plan, ZonedDateTime started, Path dir, List<String> rows) throws IOException {
        FileStore fs = Files.getFileStore(dir);
        StringBuilder md = new StringBuilder();
        md.append("## MAL benchmark: the store (").append(plan.name()).append(")\n\n");
        md.append("- Date: ").append(started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- Platform: Java ").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vendor"))
                .append("), ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(MalStore.engineVersion()).append('\n');
        md.append("- Code: ").append(Platform.codeVersion()).append('\n');
        md.append("- Store folder: ").append(dir.getParent()).append(" (").append(fs.type()).append(" on ").append(fs.name())
                .append(")\n");
        md.append("- Command: `java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.mal.bench.StoreBench")
                .append(plan == QUICK ? " --quick" : "").append("`\n\n");
        md.append("| measure | result: median (min-max) | how |\n");
        md.append("|---|---:|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        return md.toString();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
