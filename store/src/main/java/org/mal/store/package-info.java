/**
 * The MAL store: model blobs, the evaluation cache and the search journal in one RocksDB database.
 *
 * <p>{@link org.mal.store.MalStore} owns every native handle of an open store; besides it only
 * {@link org.mal.store.StoreRepair} (diagnosing and repairing a store RocksDB cannot open, with
 * handles that live inside its methods) and {@code NativeLibrary} (loading RocksDB's library from a
 * per-user cache folder) import {@code org.rocksdb}. The package-private {@code Blobs} (chunked
 * blobs) and {@code Verifier} (the integrity check) go through its package-private primitives.
 * {@link org.mal.store.CacheKey} is the canonical,
 * hashed key of a cached result (docs/DESIGN.md, invariant 6). Every stored value is wrapped in an
 * envelope with a format version and a CRC32C; a value that fails its check raises
 * {@link org.mal.store.CorruptValueException} naming the column family and key, and is never
 * returned. Byte layouts: {@code store/ENCODING.md}, pinned by golden files under
 * {@code store/src/test/resources/golden/}.
 *
 * <p>How the search should use it (invariant 7): store an assembly's weights with
 * {@link org.mal.store.MalStore#putBlob} first (durable when it returns), then journal the event
 * that names them together with the evaluations it produced, in one
 * {@link org.mal.store.MalStore#append}; act on the event only after {@code append} returns. On
 * restart, {@link org.mal.store.MalStore#readJournal} from 1 (or from a checkpoint) replays state,
 * and {@link org.mal.store.MalStore#evaluation} answers every move already evaluated.
 *
 * <p>The store needs no ND4J and no other MAL module (callers pass the code version to
 * {@link org.mal.store.MalStore#open(java.nio.file.Path, String)}); it stores bytes and JSON strings.
 */
package org.mal.store;
