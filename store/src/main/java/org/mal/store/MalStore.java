// Why this file is over 400 lines: it is the one class that holds RocksDB handles, so what needs
// the database itself lives here: opening (folder checks, column-family options, the format check),
// closing in the documented order, the journal, evaluations and meta (whose writes are WriteBatches
// across column families), the guarded primitives Blobs and Verifier use, and the test hooks. About
// a third of it is javadoc. Blob and integrity logic, which need only the primitives, are elsewhere.
package org.mal.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The MAL store: one RocksDB database in one folder holding model blobs, the evaluation cache, the
 * search journal and the store's settings. This is the only class that touches RocksDB; it owns
 * every native handle and releases them in {@link #close()}. The blob logic ({@link Blobs}) and the
 * integrity check ({@link Verifier}) hold no handle: they reach the database through this class's
 * package-private primitives, each of which runs under the read lock described below.
 *
 * <h2>Column families and keys</h2>
 * <table>
 * <caption>layout, format version 1</caption>
 * <tr><th>column family</th><th>key</th><th>value (in an {@link Envelope})</th></tr>
 * <tr><td>{@code blobs}</td><td>{@code 'M'} + SHA-256 of the content (33 bytes)</td>
 *     <td>BLOB_MANIFEST: length, chunk size, the chunks' SHA-256s ({@link BlobManifest})</td></tr>
 * <tr><td>{@code blobs}</td><td>{@code 'C'} + SHA-256 of the chunk (33 bytes)</td>
 *     <td>BLOB_CHUNK: up to {@value #CHUNK_SIZE} bytes of content</td></tr>
 * <tr><td>{@code evaluations}</td><td>{@link CacheKey#hash()} (32 bytes)</td>
 *     <td>EVALUATION: the evaluation's JSON, UTF-8</td></tr>
 * <tr><td>{@code journal}</td><td>sequence number, 8 bytes big-endian (so key order = sequence order)</td>
 *     <td>JOURNAL_EVENT: the event's JSON, UTF-8</td></tr>
 * <tr><td>{@code meta}</td><td>a name, UTF-8</td><td>META: a string, UTF-8</td></tr>
 * </table>
 * The {@code default} column family exists (RocksDB requires it) and stays empty. Meta names
 * starting with {@code store.} are the store's own: {@code store.format-version} (decimal, {@value
 * #FORMAT_VERSION} here; its presence is what makes a RocksDB database a MAL store),
 * {@code store.created} and {@code store.created-by}.
 *
 * <h2>Durability</h2>
 * Durability is named by two write options: {@link #sync} (the WAL is fsync'ed before the call
 * returns) and {@link #nosync} (written to the WAL, not yet fsync'ed). The WAL is never disabled.
 * Journal appends, evaluations, meta and blob manifests use {@code sync}: when the call returns,
 * the write survives a process crash or power loss. Blob chunks use {@code nosync}; the synced
 * manifest written after them syncs the WAL up to and including them, so a blob is durable when
 * {@link #putBlob} returns, and a blob whose manifest is absent after a crash is simply absent.
 * Recovery uses RocksDB's point-in-time mode: a torn record at the WAL's tail (never acknowledged,
 * since acknowledgement follows the fsync) is dropped together with everything after it.
 *
 * <h2>One writer</h2>
 * RocksDB's {@code LOCK} file admits one process; a second open, from another process or from this
 * JVM, throws {@link StoreInUseException}. Within the process, one {@code MalStore} is safe to share
 * between threads: operations run under a read lock, {@link #close()} takes the write lock, so no
 * operation ever uses a released native handle. Journal appends are serialised.
 *
 * <h2>Format versions</h2>
 * Opening a store of another format version throws {@link StoreFormatException} and changes
 * nothing. Extension point: a future format {@code n + 1} adds a migration from {@code n} in
 * {@code checkFormat}, which rewrites the affected values and the version in one synced batch.
 */
public final class MalStore implements AutoCloseable {
    /** The on-disk layout this class reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** Blob content is stored in chunks of this many bytes (4 MiB); the manifest records it. */
    public static final int CHUNK_SIZE = 4 << 20;

    /** The write-ahead log's size past which the column families holding its oldest part are flushed. */
    static final long MAX_WAL_BYTES = 64L << 20;

    static final String META_FORMAT = "store.format-version";
    static final String META_CREATED = "store.created";
    static final String META_CREATED_BY = "store.created-by";
    static final String RESERVED_META_PREFIX = "store.";

    /** The column families MAL uses, by their RocksDB names. */
    enum Column {
        BLOBS("blobs"), EVALUATIONS("evaluations"), JOURNAL("journal"), META("meta");

        final String cfName;

        Column(String cfName) { this.cfName = cfName; }
    }

    static {
        NativeLibrary.load();
    }

    private final Path dir;

    // Native handles, listed in creation order; close() releases them in reverse (see there).
    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final List<ColumnFamilyOptions> cfOptions;
    private final DBOptions dbOptions;
    /** Commits that must survive a crash once the call returns: the WAL is fsync'ed. */
    private final WriteOptions sync;
    /** Blob chunks: in the WAL, not yet fsync'ed; the synced manifest after them makes them durable. */
    private final WriteOptions nosync;
    private final ReadOptions read;
    private RocksDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final ColumnFamilyHandle[] columns = new ColumnFamilyHandle[Column.values().length];

    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private final Object appendLock = new Object();
    /** The last journal sequence number; the next append gets {@code lastSeq + 1}. Written under appendLock. */
    private volatile long lastSeq;
    /** An append failed inside RocksDB, whose WAL may or may not hold it. Guarded by appendLock. */
    private boolean appendFailed;

    /** The blobs column family's logic; it uses the handles above through the primitives below. */
    private final Blobs blobs;

    /** What {@link #open(Path)} records as the creator of a store it creates. */
    static final String DEFAULT_CREATED_BY = "MAL store";

    /**
     * Opens the store in {@code dir}, creating it if the folder is absent or empty. A store created
     * here records {@code "MAL store"} as its creator: {@code store.created-by} is
     * {@code "MAL store, RocksDB <version>"}. Callers that know the code version use
     * {@link #open(Path, String)}.
     *
     * @throws NotAStoreException the folder holds something else
     * @throws DamagedStoreException its CURRENT file or MANIFEST is damaged ({@link StoreRepair})
     * @throws StoreFormatException the store has another format version
     * @throws StoreInUseException another process or {@code MalStore} has it open
     */
    public static MalStore open(Path dir) { return open(dir, DEFAULT_CREATED_BY); }

    /**
     * Opens the store in {@code dir}, creating it if the folder is absent or empty. A store created
     * here records {@code createdBy + ", " + }{@link #engineVersion()} as {@code store.created-by},
     * e.g. {@code "MAL 0.1.0-SNAPSHOT+3f2a1c9, RocksDB 11.8.1"} for {@code createdBy}
     * {@code "MAL 0.1.0-SNAPSHOT+3f2a1c9"}. Opening an existing store does not use {@code createdBy}.
     *
     * @param createdBy who creates the store, typically {@code "MAL "} and the code version
     * @throws NotAStoreException the folder holds something else
     * @throws DamagedStoreException its CURRENT file or MANIFEST is damaged ({@link StoreRepair})
     * @throws StoreFormatException the store has another format version
     * @throws StoreInUseException another process or {@code MalStore} has it open
     */
    public static MalStore open(Path dir, String createdBy) {
        Objects.requireNonNull(createdBy, "createdBy");
        return open(dir, true, createdBy);
    }

    /**
     * Opens an existing store and never creates one.
     *
     * @throws NotAStoreException the folder is missing, empty or holds something else
     * @throws DamagedStoreException its CURRENT file or MANIFEST is damaged ({@link StoreRepair})
     * @throws StoreFormatException the store has another format version
     * @throws StoreInUseException another process or {@code MalStore} has it open
     */
    public static MalStore openExisting(Path dir) { return open(dir, false, null); }

    /** The storage engine, for provenance and benchmark reports, e.g. {@code RocksDB 11.8.1}. */
    public static String engineVersion() { return "RocksDB " + RocksDB.rocksdbVersion(); }

    /** {@code createdBy} is used only when {@code mayCreate}. */
    private static MalStore open(Path dir, boolean mayCreate, String createdBy) {
        Objects.requireNonNull(dir, "dir");
        dir = dir.toAbsolutePath().normalize();
        boolean fresh;
        if (!Files.exists(dir)) {
            if (!mayCreate) throw new NotAStoreException(dir, "the folder does not exist");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new StoreException(dir, "cannot create store folder " + dir + ": " + e, e);
            }
            fresh = true;
        } else if (!Files.isDirectory(dir)) {
            throw new NotAStoreException(dir, "it is a file, not a folder");
        } else {
            List<String> entries = listFolder(dir);
            if (entries.isEmpty()) {
                if (!mayCreate) throw new NotAStoreException(dir, "the folder is empty");
                fresh = true;
            } else if (!Files.isRegularFile(dir.resolve("CURRENT"))) {
                Optional<String> damage = StoreRepair.damage(dir);
                if (damage.isPresent()) throw new DamagedStoreException(dir, damage.get());
                throw new NotAStoreException(dir, "the folder holds " + entries.size() + " entries (e.g. "
                        + String.join(", ", entries.subList(0, Math.min(3, entries.size())))
                        + ") but no RocksDB database (no CURRENT file)");
            } else {
                fresh = false;
            }
        }
        List<String> cfNames = fresh ? null : existingColumnFamilies(dir);
        MalStore store = new MalStore(dir, cfNames);
        try {
            store.initialise(fresh, mayCreate, createdBy);
            return store;
        } catch (RuntimeException e) {
            try {
                store.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static List<String> listFolder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new StoreException(dir, "cannot list store folder " + dir + ": " + e, e);
        }
    }

    /** The column families of an existing database; read from its MANIFEST without opening (or changing) it. */
    private static List<String> existingColumnFamilies(Path dir) {
        // A damaged CURRENT or MANIFEST makes RocksDB list no column families (or fail): say so rather than "not a store".
        Optional<String> damage = StoreRepair.damage(dir);
        if (damage.isPresent()) throw new DamagedStoreException(dir, damage.get());
        List<byte[]> names;
        try (Options options = new Options()) {
            names = RocksDB.listColumnFamilies(options, dir.toString());
        } catch (RocksDBException e) {
            throw new NotAStoreException(dir, "RocksDB cannot read it as a database (" + e.getMessage() + ")");
        }
        List<String> out = new ArrayList<>();
        for (byte[] n : names) out.add(new String(n, StandardCharsets.UTF_8));
        List<String> missing = new ArrayList<>();
        for (Column c : Column.values()) if (!out.contains(c.cfName)) missing.add(c.cfName);
        if (!missing.isEmpty()) {
            throw new NotAStoreException(dir, "a RocksDB database without MAL's column families " + missing
                    + " (it has " + out + ")");
        }
        return out;
    }

    /**
     * Opens RocksDB. {@code cfNames == null} creates a new database with MAL's column families;
     * otherwise every listed family is opened (RocksDB requires all of them), foreign ones with
     * default options.
     */
    private MalStore(Path dir, List<String> cfNames) {
        this.dir = dir;
        this.blobs = new Blobs(this);
        boolean create = cfNames == null;
        blockCache = new LRUCache(64L << 20);
        bloomFilter = new BloomFilter(10);
        cfOptions = new ArrayList<>();
        dbOptions = new DBOptions()
                .setCreateIfMissing(create)
                .setCreateMissingColumnFamilies(create)
                .setParanoidChecks(true)
                .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
                .setKeepLogFileNum(3)
                // The write-ahead log is shared by the column families: it goes only when every one has
                // flushed what it holds, and the journal's memtable fills slowly. Without a cap the log
                // kept deleted blobs on disk for gigabytes; past this size the oldest holders flush.
                .setMaxTotalWalSize(MAX_WAL_BYTES)
                .setInfoLogLevel(InfoLogLevel.INFO_LEVEL);
        sync = new WriteOptions().setSync(true).setDisableWAL(false);
        nosync = new WriteOptions().setSync(false).setDisableWAL(false);
        read = new ReadOptions().setVerifyChecksums(true);

        List<String> names = new ArrayList<>();
        names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
        for (Column c : Column.values()) names.add(c.cfName);
        if (!create) for (String n : cfNames) if (!names.contains(n)) names.add(n);

        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String n : names) {
            ColumnFamilyOptions o = optionsFor(n);
            cfOptions.add(o);
            descriptors.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), o));
        }
        try {
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            closeOptions();
            if (isLockError(e)) throw new StoreInUseException(dir, e);
            throw new StoreException(dir, "cannot open store " + dir + ": " + e.getMessage(), e);
        }
        for (Column c : Column.values()) columns[c.ordinal()] = handles.get(names.indexOf(c.cfName));
    }

    private ColumnFamilyOptions optionsFor(String cfName) {
        ColumnFamilyOptions o = new ColumnFamilyOptions();
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(blockCache);
        if (cfName.equals(Column.BLOBS.cfName)) {
            // Weights are float noise to a compressor; chunks go to blob files so compaction moves keys, not megabytes.
            o.setCompressionType(CompressionType.NO_COMPRESSION)
                    .setEnableBlobFiles(true)
                    .setMinBlobSize(64 << 10)
                    .setBlobFileSize(256L << 20)
                    .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                    .setEnableBlobGarbageCollection(true);
            table.setFilterPolicy(bloomFilter);
        } else if (cfName.equals(Column.EVALUATIONS.cfName)) {
            o.setCompressionType(CompressionType.LZ4_COMPRESSION);
            table.setFilterPolicy(bloomFilter);
        } else if (cfName.equals(Column.JOURNAL.cfName) || cfName.equals(Column.META.cfName)) {
            o.setCompressionType(CompressionType.LZ4_COMPRESSION);
        }
        o.setTableFormatConfig(table);
        return o;
    }

    private static boolean isLockError(RocksDBException e) {
        String m = String.valueOf(e.getMessage());
        // another process: "While lock file: <dir>/LOCK: Resource temporarily unavailable";
        // this process:    "lock hold by current process, acquire time ... : <dir>/LOCK: No locks available"
        return m.contains("/LOCK") && (m.contains("lock hold by current process") || m.contains("While lock file")
                || m.contains("Resource temporarily unavailable"));
    }

    /** Checks (or, for a new store, writes) the format version, and finds the journal's last sequence number. */
    private void initialise(boolean fresh, boolean mayCreate, String createdBy) {
        Optional<String> format = readMeta(META_FORMAT);
        if (format.isEmpty()) {
            if (!fresh && !isEmpty()) {
                throw new NotAStoreException(dir, "it has MAL's column families but no " + META_FORMAT + " and is not empty");
            }
            if (!fresh && !mayCreate) {
                throw new NotAStoreException(dir, "its creation did not finish (no " + META_FORMAT
                        + "); MalStore.open initialises it");
            }
            try (WriteBatch batch = new WriteBatch()) {
                putMetaIn(batch, META_CREATED, Instant.now().toString());
                putMetaIn(batch, META_CREATED_BY, createdBy + ", " + engineVersion());
                // Last in the batch only for readability: the batch commits as a whole.
                putMetaIn(batch, META_FORMAT, Integer.toString(FORMAT_VERSION));
                db.write(sync, batch);
            } catch (RocksDBException e) {
                throw wrap("initialise", e);
            }
        } else {
            checkFormat(format.get());
        }
        lastSeq = findLastSeq();
    }

    private void checkFormat(String stored) {
        int found;
        try {
            found = Integer.parseInt(stored);
        } catch (NumberFormatException e) {
            throw new CorruptValueException(dir, Column.META.cfName, META_FORMAT.getBytes(StandardCharsets.UTF_8),
                    "format version '" + stored + "' is not a number");
        }
        // Extension point: migrations from older formats go here, each in one synced batch.
        if (found != FORMAT_VERSION) throw new StoreFormatException(dir, found, FORMAT_VERSION);
    }

    private boolean isEmpty() {
        for (Column c : Column.values()) {
            try (RocksIterator it = db.newIterator(handle(c), read)) {
                it.seekToFirst();
                if (it.isValid()) return false;
            }
        }
        return true;
    }

    private long findLastSeq() {
        try (RocksIterator it = db.newIterator(handle(Column.JOURNAL), read)) {
            it.seekToLast();
            if (!it.isValid()) {
                it.status();
                return 0;
            }
            byte[] key = it.key();
            long seq = seqOf(key);
            // The tail record is the one a crash could have hit; check it now rather than at first read.
            Envelope.unwrap(dir, Column.JOURNAL.cfName, key, it.value(), Envelope.ValueType.JOURNAL_EVENT);
            it.seekToFirst();
            long first = seqOf(it.key());
            if (first != 1) {
                throw new CorruptValueException(dir, Column.JOURNAL.cfName, it.key(),
                        "the journal starts at sequence " + first + ", not 1");
            }
            return seq;
        } catch (RocksDBException e) {
            throw wrap("read the journal's last sequence number", e);
        }
    }

    /** The sequence number of a journal key, checked. */
    long seqOf(byte[] key) {
        if (key.length != 8) {
            throw new CorruptValueException(dir, Column.JOURNAL.cfName, key, "journal key of " + key.length + " bytes, not 8");
        }
        long seq = Envelope.getLong(key, 0);
        if (seq < 1) throw new CorruptValueException(dir, Column.JOURNAL.cfName, key, "sequence number " + seq + " < 1");
        return seq;
    }

    static byte[] seqKey(long seq) {
        byte[] k = new byte[8];
        Envelope.putLong(k, 0, seq);
        return k;
    }

    /** The store's folder. */
    public Path directory() { return dir; }

    // ---------------------------------------------------------------- journal

    /** Appends an event that creates no cache entries; see {@link #append(String, Map)}. */
    public long append(String eventJson) { return append(eventJson, Map.of()); }

    /**
     * Appends an event to the journal and puts the cache entries it creates, in one synced
     * {@code WriteBatch}: after a crash, either the event and all its entries are there or none of
     * them is. Returns only when the batch is on disk (fsync).
     *
     * <p>If RocksDB fails the write, the WAL may or may not hold it, so this store refuses further
     * appends; reopening it shows which (the journal then has no gap either way).
     *
     * @return the event's sequence number: 1 for the first event, then one more each time
     */
    public long append(String eventJson, Map<CacheKey, String> cacheEntries) {
        Objects.requireNonNull(eventJson, "eventJson");
        Objects.requireNonNull(cacheEntries, "cacheEntries");
        byte[] event = eventJson.getBytes(StandardCharsets.UTF_8);
        List<byte[][]> entries = new ArrayList<>(cacheEntries.size());
        for (Map.Entry<CacheKey, String> e : cacheEntries.entrySet()) {
            byte[] key = e.getKey().hashBytes();
            byte[] json = Objects.requireNonNull(e.getValue(), "cache entry value").getBytes(StandardCharsets.UTF_8);
            entries.add(new byte[][] {key, Envelope.wrap(key, Envelope.ValueType.EVALUATION, json)});
        }
        return guarded("append a journal event", () -> {
            synchronized (appendLock) {
                if (appendFailed) {
                    throw new StoreException(dir, "store " + dir + " refuses appends after a failed one; reopen it");
                }
                long seq = lastSeq + 1;
                byte[] key = seqKey(seq);
                try (WriteBatch batch = new WriteBatch()) {
                    batch.put(handle(Column.JOURNAL), key, Envelope.wrap(key, Envelope.ValueType.JOURNAL_EVENT, event));
                    for (byte[][] kv : entries) batch.put(handle(Column.EVALUATIONS), kv[0], kv[1]);
                    db.write(sync, batch);
                } catch (RocksDBException e) {
                    appendFailed = true;
                    throw wrap("append journal event " + seq, e);
                }
                lastSeq = seq;
                return seq;
            }
        });
    }

    /** The last sequence number appended, 0 when the journal is empty. */
    public long lastSequence() { return lastSeq; }

    /** Every journal record from {@code fromSeq} on, in order; see {@link #readJournal(long, int)}. */
    public List<JournalEntry> readJournal(long fromSeq) { return readJournal(fromSeq, Integer.MAX_VALUE); }

    /**
     * Up to {@code max} journal records starting at {@code fromSeq}, in sequence order. Empty when
     * {@code fromSeq} is past the end. Every record is checked; a gap in the sequence or a corrupt
     * record throws {@link CorruptValueException}. Page through a long journal by calling again
     * with the last sequence number + 1.
     */
    public List<JournalEntry> readJournal(long fromSeq, int max) {
        if (fromSeq < 1) throw new IllegalArgumentException("sequence numbers start at 1, got " + fromSeq);
        if (max < 0) throw new IllegalArgumentException("max must be >= 0, got " + max);
        return guarded("read the journal from " + fromSeq, () -> {
            List<JournalEntry> out = new ArrayList<>();
            try (RocksIterator it = db.newIterator(handle(Column.JOURNAL), read)) {
                long expect = fromSeq;
                for (it.seek(seqKey(fromSeq)); it.isValid() && out.size() < max; it.next()) {
                    byte[] key = it.key();
                    long seq = seqOf(key);
                    if (seq != expect) {
                        throw new CorruptValueException(dir, Column.JOURNAL.cfName, key,
                                "gap in the journal: expected sequence " + expect + ", found " + seq);
                    }
                    byte[] payload = Envelope.unwrap(dir, Column.JOURNAL.cfName, key, it.value(),
                            Envelope.ValueType.JOURNAL_EVENT);
                    out.add(new JournalEntry(seq, new String(payload, StandardCharsets.UTF_8)));
                    expect++;
                }
                it.status();
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- evaluations

    /** The cached evaluation for {@code key}, if any. */
    public Optional<String> evaluation(CacheKey key) {
        byte[] k = key.hashBytes();
        byte[] value = get(Column.EVALUATIONS, k, "look up evaluation");
        if (value == null) return Optional.empty();
        return Optional.of(new String(Envelope.unwrap(dir, Column.EVALUATIONS.cfName, k, value,
                Envelope.ValueType.EVALUATION), StandardCharsets.UTF_8));
    }

    /** Caches one evaluation, synced. Results produced by a journaled event belong in {@link #append}. */
    public void putEvaluation(CacheKey key, String evaluationJson) { putEvaluations(Map.of(key, evaluationJson)); }

    /** Caches evaluations in one synced batch (all or none after a crash). An existing entry is replaced. */
    public void putEvaluations(Map<CacheKey, String> entries) {
        guardedRun("put " + entries.size() + " evaluations", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (Map.Entry<CacheKey, String> e : entries.entrySet()) {
                    byte[] k = e.getKey().hashBytes();
                    byte[] json = Objects.requireNonNull(e.getValue(), "evaluation JSON").getBytes(StandardCharsets.UTF_8);
                    batch.put(handle(Column.EVALUATIONS), k, Envelope.wrap(k, Envelope.ValueType.EVALUATION, json));
                }
                db.write(sync, batch);
            }
        });
    }

    // ---------------------------------------------------------------- meta

    /** A setting stored with the store (e.g. the search settings), if present. */
    public Optional<String> meta(String name) { return guarded("read meta " + name, () -> readMeta(name)); }

    /**
     * Stores a setting, synced. Names starting with {@code store.} are reserved for the store.
     */
    public void putMeta(String name, String value) {
        if (name.startsWith(RESERVED_META_PREFIX)) {
            throw new IllegalArgumentException("meta names starting with '" + RESERVED_META_PREFIX + "' are the store's own: " + name);
        }
        Objects.requireNonNull(value, "value");
        guardedRun("put meta " + name, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                putMetaIn(batch, name, value);
                db.write(sync, batch);
            }
        });
    }

    private void putMetaIn(WriteBatch batch, String name, String value) throws RocksDBException {
        byte[] k = name.getBytes(StandardCharsets.UTF_8);
        batch.put(handle(Column.META), k, Envelope.wrap(k, Envelope.ValueType.META, value.getBytes(StandardCharsets.UTF_8)));
    }

    private Optional<String> readMeta(String name) {
        byte[] k = name.getBytes(StandardCharsets.UTF_8);
        byte[] value;
        try {
            value = db.get(handle(Column.META), read, k);
        } catch (RocksDBException e) {
            throw wrap("read meta " + name, e);
        }
        if (value == null) return Optional.empty();
        return Optional.of(new String(Envelope.unwrap(dir, Column.META.cfName, k, value, Envelope.ValueType.META),
                StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- blobs (in Blobs)

    /** Stores {@code content}; see {@link #putBlob(InputStream)}. */
    public String putBlob(byte[] content) { return blobs.put(content); }

    /**
     * Stores the stream's content (read to its end, not closed) and returns its SHA-256 in hex, the
     * blob's name. Content is read, hashed and written one {@value #CHUNK_SIZE}-byte chunk at a
     * time with a single reused buffer, so heap use does not grow with the blob. Chunks are named
     * by their own SHA-256: content stored before is not written again (a chunk that exists is not
     * re-read to check it; reads and {@link #verify()} do that). Durable when this returns.
     *
     * @throws IOException from the stream; chunks written so far stay as unreferenced garbage
     */
    public String putBlob(InputStream in) throws IOException { return blobs.put(in); }

    /** Whether a complete blob with this SHA-256 is stored (its manifest is; chunks are checked on read). */
    public boolean hasBlob(String sha256Hex) { return blobs.has(sha256Hex); }

    /** The blob's length in bytes, if it is stored. */
    public OptionalLong blobLength(String sha256Hex) { return blobs.length(sha256Hex); }

    /**
     * Opens a stored blob for reading. The stream holds one chunk in memory at a time; each chunk's
     * envelope, length and SHA-256 are checked before any of its bytes are returned, so corrupt
     * content is never delivered: {@code read} throws {@link CorruptValueException} instead. The
     * stream is for one thread; it fails once the store is closed.
     *
     * @throws NoSuchElementException no blob has this hash
     */
    public InputStream openBlob(String sha256Hex) { return blobs.open(sha256Hex); }

    /**
     * Gives back the space of deleted blobs now rather than when RocksDB gets to it: flushes every
     * column family (so the write-ahead log that still holds the deleted blobs can go) and compacts
     * the blobs (blob files whose blobs are all deleted go). Costs a flush and a rewrite of the
     * blobs' keys; for after deleting many blobs.
     */
    public void reclaimBlobSpace() {
        guardedRun("reclaim the space of deleted blobs", () -> {
            try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
                db.flush(flush, handles);
            }
            // live blobs are moved out of every blob file for this compaction only (the default, 0.25, keeps
            // the newer three quarters of the files as they are, deleted blobs and all)
            db.setOptions(handle(Column.BLOBS), org.rocksdb.MutableColumnFamilyOptions.builder().setBlobGarbageCollectionAgeCutoff(1.0).build());
            try (org.rocksdb.CompactRangeOptions all = new org.rocksdb.CompactRangeOptions()
                    .setBottommostLevelCompaction(org.rocksdb.CompactRangeOptions.BottommostLevelCompaction.kForce)) {
                db.compactRange(handle(Column.BLOBS), null, null, all);
            } finally {
                db.setOptions(handle(Column.BLOBS), org.rocksdb.MutableColumnFamilyOptions.builder().setBlobGarbageCollectionAgeCutoff(0.25).build());
            }
        });
    }

    /** The names (SHA-256 hex) of every stored blob, in order; reads the manifests only. */
    public List<String> blobNames() { return blobs.names(); }

    /**
     * Deletes the named blobs (names not stored are ignored): their manifests, and each of their
     * chunks that no remaining blob uses, in one synced batch; a blob is absent when this returns.
     * Space is given back by RocksDB's compactions (blob garbage collection), not at once. Not for
     * a blob that is being read. Serialised with {@link #putBlob}, so a put that finds a chunk
     * already stored never sees it deleted under it.
     *
     * @return how many blobs were deleted
     */
    public int deleteBlobs(java.util.Collection<String> sha256Hex) { return blobs.delete(sha256Hex); }

    // ---------------------------------------------------------------- integrity (in Verifier)

    /**
     * Reads every value in the store and checks it: envelopes and CRCs everywhere, the journal's
     * sequence 1..n without gaps, each blob manifest's chunks present with the right length and
     * SHA-256. Reads all blob content; cost grows with the store.
     *
     * @throws CorruptValueException at the first problem, naming the column family and key
     */
    public Integrity verify() { return new Verifier(this, blobs).run(); }

    // ---------------------------------------------------------------- test hooks (package-private)
    // They stay here: rawDelete and rawKeys need the database itself, which only this class touches.

    /** Writes raw bytes, bypassing the envelope: lets tests plant corrupt or foreign values. */
    void rawPut(Column c, byte[] key, byte[] value) { putSync(c, key, value, "raw put"); }

    /** Reads raw bytes, envelope included; null when absent. */
    byte[] rawGet(Column c, byte[] key) { return get(c, key, "raw get"); }

    void rawDelete(Column c, byte[] key) { guardedRun("raw delete", () -> db.delete(handle(c), sync, key)); }

    /** Every key of a column family, in order. */
    List<byte[]> rawKeys(Column c) {
        return guarded("list raw keys", () -> {
            List<byte[]> keys = new ArrayList<>();
            try (RocksIterator it = db.newIterator(handle(c), read)) {
                for (it.seekToFirst(); it.isValid(); it.next()) keys.add(it.key());
            }
            return keys;
        });
    }

    // ---------------------------------------------------------------- plumbing

    // Primitives for Blobs and Verifier, which hold no handle of their own. Each runs guarded.

    /** The value under {@code key}, or null when absent. */
    byte[] get(Column c, byte[] key, String op) { return guarded(op, () -> db.get(handle(c), read, key)); }

    /** What {@link #getInto} returns for an absent key. */
    static final int ABSENT = RocksDB.NOT_FOUND;

    /**
     * Reads the value under {@code key} into {@code buf} (as much as fits) and returns its whole
     * length, which may exceed {@code buf.length}; {@link #ABSENT} when there is none.
     */
    int getInto(Column c, byte[] key, byte[] buf, String op) { return guarded(op, () -> db.get(handle(c), read, key, buf)); }

    /** Whether {@code key} is stored in {@code c}. */
    boolean exists(Column c, byte[] key) { return guarded("look up a key", () -> db.keyExists(handle(c), read, key)); }

    /** Puts a value with {@link #sync}: durable when this returns. */
    void putSync(Column c, byte[] key, byte[] value, String op) { guardedRun(op, () -> db.put(handle(c), sync, key, value)); }

    /** Puts {@code value[0, length)} with {@link #nosync}: durable only once a later synced write returns. */
    void putNoSync(Column c, byte[] key, byte[] value, int length, String op) {
        guardedRun(op, () -> db.put(handle(c), nosync, key, 0, key.length, value, 0, length));
    }

    /** What {@link #forEach} does with each entry. */
    @FunctionalInterface
    interface EntryVisitor {
        void visit(byte[] key, byte[] value);
    }

    /** Calls {@code visitor} with every entry of {@code c} whose key starts with {@code prefix}, in key order. */
    void forEachWithPrefix(Column c, byte prefix, String op, EntryVisitor visitor) {
        guardedRun(op, () -> {
            try (RocksIterator it = db.newIterator(handle(c), read)) {
                for (it.seek(new byte[] {prefix}); it.isValid(); it.next()) {
                    byte[] key = it.key();
                    if (key.length == 0 || key[0] != prefix) break;
                    visitor.visit(key, it.value());
                }
                it.status();
            }
        });
    }

    /** Deletes {@code keys} of {@code c} in one batch written with {@link #sync}. */
    void deleteSync(Column c, List<byte[]> keys, String op) {
        guardedRun(op, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                for (byte[] k : keys) batch.delete(handle(c), k);
                db.write(sync, batch);
            }
        });
    }

    /** Calls {@code visitor} with every entry of {@code c}, in key order. */
    void forEach(Column c, String op, EntryVisitor visitor) {
        guardedRun(op, () -> {
            try (RocksIterator it = db.newIterator(handle(c), read)) {
                for (it.seekToFirst(); it.isValid(); it.next()) visitor.visit(it.key(), it.value());
                it.status();
            }
        });
    }

    /** A call into RocksDB, made by {@link #guarded}. */
    @FunctionalInterface
    interface RocksCall<T> {
        T call() throws RocksDBException;
    }

    /** A call into RocksDB that returns nothing, made by {@link #guardedRun}. */
    @FunctionalInterface
    interface RocksRun {
        void run() throws RocksDBException;
    }

    /**
     * Makes {@code call} under the read lock, after checking that the store is open (else
     * {@link IllegalStateException}), so {@link #close()} waits for it and no native handle is used
     * after its release. A {@link RocksDBException} becomes a {@link StoreException} saying
     * "cannot {@code op} in store ...". Every operation on an open store goes through here (only
     * the constructor and {@code initialise} use the database before the store is returned); it
     * nests, as when {@link Verifier} holds it over its walks.
     */
    <T> T guarded(String op, RocksCall<T> call) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return call.call();
        } catch (RocksDBException e) {
            throw wrap(op, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** {@link #guarded} for a call that returns nothing. */
    private void guardedRun(String op, RocksRun run) {
        guarded(op, () -> {
            run.run();
            return null;
        });
    }

    private ColumnFamilyHandle handle(Column c) { return columns[c.ordinal()]; }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("store " + dir + " is closed");
    }

    private StoreException wrap(String op, RocksDBException e) {
        return new StoreException(dir, "cannot " + op + " in store " + dir + ": " + e.getMessage(), e);
    }

    /**
     * Closes the store; a second call does nothing. Waits for running operations to finish, then
     * releases native handles in this order: (1) column family handles, which RocksDB requires to
     * go before their database; (2) the database, which waits for background flushes and
     * compactions (nothing is lost by not flushing: every acknowledged write is in the WAL);
     * (3) the read/write options, column family and database options, bloom filter and block
     * cache, which the database used until then. {@link Blobs} and {@link Verifier} hold no
     * handles; a blob stream still open fails on its next read.
     *
     * @throws StoreException RocksDB reported an error while closing (every handle is released anyway)
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            for (ColumnFamilyHandle h : handles) h.close();
            RocksDBException failure = null;
            if (db != null) {
                try {
                    db.closeE();
                } catch (RocksDBException e) {
                    failure = e;
                }
            }
            closeOptions();
            if (failure != null) throw wrap("close", failure);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void closeOptions() {
        read.close();
        nosync.close();
        sync.close();
        dbOptions.close();
        for (ColumnFamilyOptions o : cfOptions) o.close();
        bloomFilter.close();
        blockCache.close();
    }

    @Override
    public String toString() { return "MalStore[" + dir + "]"; }
}
