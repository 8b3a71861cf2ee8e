package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appends journal events with their cache entries in a loop and is killed with SIGKILL
 * ({@link ProcessHandle#destroyForcibly()} on Linux) at a random moment, 20 times over the same store.
 * After each kill the store must reopen and hold every append the child acknowledged, each record
 * complete and intact, the journal 1..n without a gap, and exactly the cache entries of journaled
 * events: none that belongs to an event that did not make it. Blobs named by journaled events are
 * complete; a kill inside a blob write leaves at most unreferenced chunks.
 */
class CrashTest {
    private static final int KILLS = 20;
    private static final long SEED = 20261122L;
    private static final int MAX_DELAY_MS = 500;

    @TempDir
    Path tmp;

    private record Round(int round, long delayMs, long firstAck, long lastAck, long acks, long durable, long orphanChunks) {}

    @Test
    void everyAcknowledgedAppendSurvivesSigkillWithoutTornRecordsOrGaps() throws Exception {
        Path dir = tmp.resolve("store");
        Random random = new Random(SEED);
        long durable = 0;
        long expectedEntries = 0;
        long blobs = 0;
        List<Round> rounds = new ArrayList<>();
        long start = System.nanoTime();
        for (int round = 1; round <= KILLS; round++) {
            Path stderr = tmp.resolve("child-" + round + ".err");
            Process child = StoreChild.start(stderr, "append", dir.toString());
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = readLines(child, lines);
            String ready = lines.poll(60, TimeUnit.SECONDS);
            if (ready == null || !ready.startsWith("ready ")) {
                child.destroyForcibly();
                fail("child did not start (" + ready + "): " + Files.readString(stderr));
            }
            assertEquals(durable, Long.parseLong(ready.substring(6)), "the reopened store's last sequence");
            long delay = random.nextInt(MAX_DELAY_MS);
            Thread.sleep(delay);
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the
            // child's stdout and lose acks still in the pipe.
            child.toHandle().destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join(30_000);
            assertEquals(137, child.exitValue(), "killed by SIGKILL; stderr: " + Files.readString(stderr));

            // Every ack printed before the kill, including those read only now, counts as acknowledged.
            long firstAck = -1;
            long lastAck = durable;
            long acks = 0;
            for (String line : lines) {
                if (line.equals("EOF")) break;
                assertTrue(line.startsWith("ack "), "unexpected child output: " + line);
                long seq = Long.parseLong(line.substring(4));
                assertEquals(lastAck + 1, seq, "acknowledged sequence numbers run on from the last durable one");
                if (firstAck < 0) firstAck = seq;
                lastAck = seq;
                acks++;
            }

            try (MalStore store = MalStore.openExisting(dir)) {
                long last = store.lastSequence();
                assertTrue(last >= lastAck, "round " + round + ": acknowledged " + lastAck + " but the journal ends at " + last);
                for (JournalEntry e : store.readJournal(durable + 1)) {
                    String blob = null;
                    if (CrashWorkload.blobLength(e.seq()) > 0) {
                        blob = sha256(CrashWorkload.blob(e.seq()));
                        try (InputStream in = store.openBlob(blob)) {
                            assertEquals(blob, sha256(in), "blob of journal record " + e.seq());
                        }
                        blobs++;
                    }
                    assertEquals(CrashWorkload.event(e.seq(), blob), e.eventJson(), "journal record " + e.seq());
                    Map<CacheKey, String> entries = CrashWorkload.entries(e.seq());
                    for (Map.Entry<CacheKey, String> c : entries.entrySet()) {
                        assertEquals(Optional.of(c.getValue()), store.evaluation(c.getKey()), "cache entry of record " + e.seq());
                    }
                    expectedEntries += entries.size();
                }
                for (long seq = last + 1; seq <= last + 3; seq++) {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(Optional.empty(), store.evaluation(CrashWorkload.key(seq, i)),
                                "cache entry of unjournaled event " + seq);
                    }
                }
                // Reads every record of every column family: envelopes, CRCs, journal 1..last without gaps.
                Integrity integrity = store.verify();
                assertEquals(last, integrity.journalEntries());
                assertEquals(expectedEntries, integrity.evaluations(), "cache entries are exactly those of journaled events");
                rounds.add(new Round(round, delay, firstAck, lastAck, acks, last, integrity.orphanChunks()));
                durable = last;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long totalAcks = rounds.stream().mapToLong(Round::acks).sum();
        long unacked = rounds.stream().mapToLong(r -> r.durable() - r.lastAck()).sum();
        System.out.printf("crash test: %d SIGKILLs in %.1f s; %d appends acknowledged (per kill: min %d, median %d, max %d);"
                        + " %d appends durable but not yet acknowledged when killed; journal ends at %d;"
                        + " %d journaled blobs read back intact%n",
                KILLS, seconds, totalAcks, rounds.stream().mapToLong(Round::acks).min().orElse(0),
                rounds.stream().mapToLong(Round::acks).sorted().skip(KILLS / 2).findFirst().orElse(0),
                rounds.stream().mapToLong(Round::acks).max().orElse(0), unacked, durable, blobs);
        rounds.forEach(r -> System.out.println("  " + r));
        assertTrue(totalAcks > 0, "the child never acknowledged an append");
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), md));
        return Hex.of(md.digest());
    }

    private static Thread readLines(Process child, BlockingQueue<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                lines.add("EOF");
            }
        }, "crash-child-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
