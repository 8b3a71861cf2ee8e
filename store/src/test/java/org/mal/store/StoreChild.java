package org.mal.store;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A second process for the tests, started with this JVM's class path. Modes:
 * <ul>
 * <li>{@code append <dir>}: opens the store, prints {@code ready <lastSeq>}, then appends
 *     {@link CrashWorkload} events (storing a blob first for some) forever, printing
 *     {@code ack <seq>} after each append returns;</li>
 * <li>{@code hold <dir>}: opens the store, prints {@code open}, closes it when stdin ends;</li>
 * <li>{@code try-open <dir>}: tries to open the store and prints {@code opened} or
 *     {@code <exception class> <message>}.</li>
 * </ul>
 */
public final class StoreChild {
    private StoreChild() {}

    @SuppressWarnings("try") // "hold" and "try-open" open the store only to hold its lock
    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "append" -> {
                try (MalStore store = MalStore.open(dir)) {
                    out.println("ready " + store.lastSequence());
                    out.flush();
                    while (true) {
                        long seq = store.lastSequence() + 1;
                        String blob = CrashWorkload.blobLength(seq) == 0 ? null : store.putBlob(CrashWorkload.blob(seq));
                        long got = store.append(CrashWorkload.event(seq, blob), CrashWorkload.entries(seq));
                        if (got != seq) throw new IllegalStateException("append returned " + got + ", expected " + seq);
                        out.println("ack " + got);
                        out.flush();
                    }
                }
            }
            case "hold" -> {
                try (MalStore store = MalStore.open(dir)) {
                    out.println("open");
                    out.flush();
                    System.in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                out.println("closed");
                out.flush();
            }
            case "try-open" -> {
                try (MalStore store = MalStore.open(dir)) {
                    out.println("opened");
                } catch (StoreException e) {
                    out.println(e.getClass().getSimpleName() + " " + e.getMessage());
                }
                out.flush();
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** Starts this class in a new JVM with this JVM's class path; stderr goes to {@code stderr}. */
    static Process start(Path stderr, String... args) throws IOException {
        return start(stderr, java.util.List.of(), args);
    }

    /** Likewise, with extra JVM options (e.g. {@code -Djava.io.tmpdir=...}). */
    static Process start(Path stderr, java.util.List<String> jvmOptions, String... args) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:+UseSerialGC"));
        cmd.addAll(jvmOptions);
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), StoreChild.class.getName()));
        cmd.addAll(java.util.List.of(args));
        return new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    }
}
