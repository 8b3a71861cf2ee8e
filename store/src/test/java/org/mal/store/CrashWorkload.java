package org.mal.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the crash test's child writes for sequence number {@code seq}: a deterministic function of
 * {@code seq}, so the parent can check every record it finds. Sizes vary from tens of bytes to
 * several KiB so records straddle WAL blocks (32 KiB) and pages. Every {@value #BLOB_EVERY}th
 * event first stores a blob of up to 1 MiB (so kills also land inside blob writes) and names it,
 * as a search journals an assembly only after storing its weights.
 */
final class CrashWorkload {
    static final int BLOB_EVERY = 25;

    private CrashWorkload() {}

    /** The length of the blob event {@code seq} refers to, 0 when it refers to none. */
    static long blobLength(long seq) { return seq % BLOB_EVERY == 0 ? 1 + seq * 104_729 % (1L << 20) : 0; }

    static java.io.InputStream blob(long seq) { return new PatternStream(blobLength(seq), seq); }

    /** @param blobHash the SHA-256 of {@link #blob(long)}, or null when {@link #blobLength} is 0 */
    static String event(long seq, String blobHash) {
        return "{\"type\":\"MoveEvaluated\",\"seq\":" + seq + (blobHash == null ? "" : ",\"blob\":\"" + blobHash + "\"")
                + ",\"pad\":\"" + pad(seq * 7919 % 6000, seq) + "\"}";
    }

    /** One to three cache entries, created by the event. */
    static Map<CacheKey, String> entries(long seq) {
        Map<CacheKey, String> out = new LinkedHashMap<>();
        for (int i = 0; i < 1 + seq % 3; i++) out.put(key(seq, i), entry(seq, i));
        return out;
    }

    static CacheKey key(long seq, int i) { return CacheKey.builder("crash-test").put("seq", seq).put("i", i).build(); }

    static String entry(long seq, int i) {
        return "{\"seq\":" + seq + ",\"i\":" + i + ",\"loss\":" + (seq * 0.001 + i) + ",\"pad\":\""
                + pad((seq * 31 + i * 17) % 2000, seq + i) + "\"}";
    }

    private static String pad(long n, long salt) {
        StringBuilder b = new StringBuilder((int) n);
        for (long i = 0; i < n; i++) b.append((char) ('a' + (i * 7 + salt) % 26));
        return b.toString();
    }
}
