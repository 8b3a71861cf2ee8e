package org.mal.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mal.store.MalStore.Column;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;

/**
 * Diagnosis and repair of a store whose RocksDB bookkeeping is damaged: the {@code CURRENT} file
 * (which names the live MANIFEST) or the {@code MANIFEST} (the list of column families and table
 * files). The store's data lives elsewhere (the write-ahead log {@code *.log}, tables {@code *.sst},
 * blob files {@code *.blob}), so such a store is usually recoverable. A folder is taken for a MAL
 * store when its newest {@code OPTIONS-*} file (RocksDB's plain-text copy of the options) names
 * MAL's column families.
 *
 * <p>Repair never changes a folder before copying it whole to a backup next to it. It holds native
 * handles only inside its methods, each in try-with-resources.
 */
public final class StoreRepair {
    private StoreRepair() {}

    static {
        NativeLibrary.load();
    }

    /** What a repair did. {@code backup} is null when there was nothing to repair. */
    public record Repaired(String damage, String action, Path backup, Integrity integrity) {}

    private static final Pattern CURRENT = Pattern.compile("MANIFEST-(\\d+)\n");
    private static final Pattern OPTIONS_CF = Pattern.compile("^\\[CFOptions \"(.*)\"\\]$", Pattern.MULTILINE);

    /**
     * What is damaged in {@code dir}, or empty when its CURRENT file and MANIFEST are sound (or the
     * folder does not look like a MAL store at all). Reads only.
     */
    public static Optional<String> damage(Path dir) {
        List<String> named = optionsColumnFamilies(dir);
        if (named.isEmpty() || !named.containsAll(malColumnFamilies())) return Optional.empty();
        Path current = dir.resolve("CURRENT");
        if (!Files.isRegularFile(current)) return Optional.of("its CURRENT file (which names the live MANIFEST) is missing");
        String text = read(current);
        Matcher m = CURRENT.matcher(text);
        if (!m.matches()) {
            String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
            return Optional.of("its CURRENT file does not name a MANIFEST (it holds \"" + shown.replace("\n", "\\n") + "\")");
        }
        String manifest = text.strip();
        if (!Files.isRegularFile(dir.resolve(manifest))) {
            return Optional.of("its CURRENT file names " + manifest + ", which does not exist");
        }
        List<String> listed = listColumnFamilies(dir);
        if (listed != null && listed.containsAll(named)) return Optional.empty();
        String why = rocksDbComplaint(dir, named);
        return Optional.of("its " + manifest + " (the list of column families and table files) is damaged: it lists "
                + (listed == null ? "nothing readable" : listed) + " where " + newestOptions(dir).getFileName() + " names " + named
                + (why == null ? "" : " (RocksDB: " + why + ")"));
    }

    /**
     * Repairs the store in {@code dir} after copying the folder to {@code <dir>.backup-<time>}
     * next to it. A damaged CURRENT file is pointed at the newest MANIFEST that lists MAL's column
     * families (nothing is lost). A damaged MANIFEST is rebuilt by replaying the write-ahead log
     * into a fresh database with the same column families in the same order (so the log's column
     * family ids mean the same), which recovers every write of a store whose data is all in the log;
     * a store that also holds table files is left as it is (MAL cannot re-index tables through
     * RocksDB's Java API) and the exception names RocksDB's own repair tool. Ends by opening the
     * store and verifying every value.
     *
     * @throws StoreException the repair failed; the backup is named in the message
     */
    public static Repaired repair(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        Optional<String> damage = damage(dir);
        if (damage.isEmpty()) {
            try (MalStore store = MalStore.openExisting(dir)) {
                return new Repaired(null, "nothing to repair", null, store.verify());
            }
        }
        Path backup = backup(dir);
        String action;
        try {
            action = pointCurrentAtAGoodManifest(dir);
            if (action == null) action = replayLog(dir, backup);
        } catch (IOException | RocksDBException e) {
            throw new StoreException(dir, "cannot repair store " + dir + " (" + e.getMessage() + "); the original is in " + backup, e);
        }
        try (MalStore store = MalStore.openExisting(dir)) {
            return new Repaired(damage.get(), action, backup, store.verify());
        }
    }

    private static List<String> malColumnFamilies() {
        List<String> names = new ArrayList<>();
        for (Column c : Column.values()) names.add(c.cfName);
        return names;
    }

    /** Copies the folder to a new sibling {@code <name>.backup-<yyyyMMdd-HHmmss>}. */
    static Path backup(Path dir) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path backup = dir.resolveSibling(dir.getFileName() + ".backup-" + stamp);
        for (int i = 2; Files.exists(backup); i++) backup = dir.resolveSibling(dir.getFileName() + ".backup-" + stamp + "-" + i);
        try {
            Files.createDirectory(backup);
            for (Path f : files(dir)) Files.copy(f, backup.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
            throw new StoreException(dir, "cannot back up store " + dir + " to " + backup + " (" + e + "); nothing was changed", e);
        }
        return backup;
    }

    /** Rewrites CURRENT to name the newest MANIFEST that lists MAL's column families; null when none does. */
    private static String pointCurrentAtAGoodManifest(Path dir) throws IOException {
        List<Path> manifests = new ArrayList<>();
        for (Path f : files(dir)) if (f.getFileName().toString().matches("MANIFEST-\\d+")) manifests.add(f);
        manifests.sort(Comparator.comparingLong(StoreRepair::number).reversed());
        String before = Files.isRegularFile(dir.resolve("CURRENT")) ? read(dir.resolve("CURRENT")) : null;
        for (Path manifest : manifests) {
            writeCurrent(dir, manifest.getFileName() + "\n");
            List<String> listed = listColumnFamilies(dir);
            if (listed != null && listed.containsAll(malColumnFamilies())) return "CURRENT now names " + manifest.getFileName();
        }
        if (before != null) writeCurrent(dir, before);
        return null;
    }

    private static void writeCurrent(Path dir, String text) throws IOException {
        Path tmp = dir.resolve("CURRENT.repairing");
        Files.writeString(tmp, text, StandardCharsets.ISO_8859_1);
        Files.move(tmp, dir.resolve("CURRENT"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Builds a fresh database with the OPTIONS file's column families in their order, replays the
     * old write-ahead log files into it (renumbered above the fresh database's files, order kept),
     * flushes, and puts its files in place of the damaged ones.
     */
    private static String replayLog(Path dir, Path backup) throws IOException, RocksDBException {
        List<Path> logs = new ArrayList<>();
        int tables = 0;
        for (Path f : files(dir)) {
            String n = f.getFileName().toString();
            if (n.matches("\\d+\\.log")) logs.add(f);
            if (n.endsWith(".sst") || n.endsWith(".blob")) tables++;
        }
        if (tables > 0) {
            throw new IOException("its MANIFEST is damaged and it holds " + tables + " table or blob files, which MAL cannot re-index;"
                    + " RocksDB's own repair tool can (ldb repair --db=" + dir + ")");
        }
        logs.sort(Comparator.comparingLong(StoreRepair::number));
        List<String> names = optionsColumnFamilies(dir);
        Path fresh = dir.resolveSibling(dir.getFileName() + ".repairing");
        deleteTree(fresh);
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)) {
            withDatabase(options, fresh, names, db -> {});
        }
        for (Path log : logs) Files.copy(log, fresh.resolve(String.format("%d.log", 1_000_000_000L + number(log))));
        // Opening replays the logs and, at the end of recovery, flushes what they held to table files.
        try (DBOptions options = new DBOptions().setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)) {
            withDatabase(options, fresh, names, db -> {});
        }
        for (Path f : files(dir)) Files.delete(f);
        for (Path f : files(fresh)) Files.move(f, dir.resolve(f.getFileName()));
        Files.delete(fresh);
        return "rebuilt the MANIFEST by replaying " + logs.size() + " write-ahead log file" + (logs.size() == 1 ? "" : "s");
    }

    private interface DbAction {
        void accept(RocksDB db) throws RocksDBException;
    }

    private static void withDatabase(DBOptions options, Path dir, List<String> names, DbAction action) throws RocksDBException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String n : names) descriptors.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8)));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            try {
                action.accept(db);
            } finally {
                for (ColumnFamilyHandle h : handles) h.close();
            }
        }
    }

    /** The column families the MANIFEST lists, or null when RocksDB cannot read it. */
    private static List<String> listColumnFamilies(Path dir) {
        try (Options options = new Options()) {
            List<String> out = new ArrayList<>();
            for (byte[] n : RocksDB.listColumnFamilies(options, dir.toString())) out.add(new String(n, StandardCharsets.UTF_8));
            return out;
        } catch (RocksDBException e) {
            return null;
        }
    }

    /** What RocksDB says when asked to open the database read-only (which changes no file), or null if it opens. */
    private static String rocksDbComplaint(Path dir, List<String> names) {
        try (DBOptions options = new DBOptions()) {
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String n : names) descriptors.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8)));
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            try (RocksDB db = RocksDB.openReadOnly(options, dir.toString(), descriptors, handles)) {
                for (ColumnFamilyHandle h : handles) h.close();
                return null;
            }
        } catch (RocksDBException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage().strip().replaceAll("\\s+", " ");
        }
    }

    /** The column families named by the newest OPTIONS file, in its order; empty when there is none. */
    static List<String> optionsColumnFamilies(Path dir) {
        Path options = newestOptions(dir);
        List<String> names = new ArrayList<>();
        if (options == null) return names;
        Matcher m = OPTIONS_CF.matcher(read(options));
        while (m.find()) names.add(m.group(1));
        return names;
    }

    private static Path newestOptions(Path dir) {
        Path newest = null;
        for (Path f : files(dir)) {
            if (f.getFileName().toString().matches("OPTIONS-\\d+") && (newest == null || number(f) > number(newest))) newest = f;
        }
        return newest;
    }

    private static long number(Path f) {
        String n = f.getFileName().toString().replaceAll("\\D", "");
        return n.isEmpty() ? -1 : Long.parseLong(n);
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new StoreException(dir, "cannot list store folder " + dir + ": " + e, e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new StoreException(f.getParent(), "cannot read " + f + ": " + e, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
